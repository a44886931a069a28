/**
 * The checks a peer's recording of the scripted conversation (tools/peer-script.ts, re-exported here
 * for the peer tests) must pass.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { expect } from 'vitest';
import { chTime } from '../../cli/commands/export.ts';
import { loadIncident } from '../../review/incident.ts';
import { renderIncidentHtml } from '../../review/render-html.ts';
import { renderIncidentText } from '../../review/render-text.ts';
import { runSavedQuery } from '../../review/run-query.ts';
import { findSavedQuery } from '../../catalogue/saved-queries.ts';
import { BAD_SCRIPT, GOOD_SCRIPT, LOOP_CALLS } from '../../tools/peer-script.ts';
import type { ScriptStep } from '../../tools/scripted-model.ts';

export * from '../../tools/peer-script.ts';

/** Record:Tool per saw/decided/touched span in timeline order ('' tool for model calls). */
export function expectedTimeline(script: readonly ScriptStep[], turnEnds: readonly number[]): string[] {
  const out: string[] = [];
  let step = 0;
  for (const end of turnEnds) {
    for (; step <= end; step++) {
      const s = script[step]!;
      out.push('decided:');
      if ('tool' in s) out.push(`touched:${s.tool}`);
    }
  }
  return out;
}
export const BAD_TIMELINE = expectedTimeline(BAD_SCRIPT, [3, BAD_SCRIPT.length - 1]);
export const GOOD_TIMELINE = expectedTimeline(GOOD_SCRIPT, [2, 4]);

const range = (): Record<string, string> => ({ from: chTime(new Date(Date.now() - 3_600_000)).slice(0, 23), to: chTime(new Date(Date.now() + 60_000)).slice(0, 23) });

/** The session ids of the spans of one service (the peer's), oldest first. */
export async function sessionsOf(http: ClickHouseClient, service: string): Promise<string[]> {
  const rs = await http.query({ query: 'SELECT SessionId FROM flightrec_spans WHERE ServiceName = {s:String} GROUP BY SessionId ORDER BY min(Timestamp)', query_params: { s: service }, format: 'JSONEachRow' });
  return (await rs.json<{ SessionId: string }>()).map((r) => r.SessionId);
}

export async function timelineOf(http: ClickHouseClient, session: string): Promise<string[]> {
  const rows = await runSavedQuery(http, findSavedQuery('session_timeline'), { session });
  return rows.filter((r) => r.Record !== '').map((r) => `${String(r.Record)}:${r.Record === 'touched' ? String(r.Tool) : ''}`);
}

/**
 * Detections fire on the bad session and stay silent on the good one; the incident report renders.
 * `argumentsRecorded: false` is for dialects whose spans carry no tool arguments (the MCP SDK's own
 * spans): two sends cannot then be told to be the same send, so *duplicate side effects* stays silent.
 */
export async function expectDetections(http: ClickHouseClient, bad: string, good: string, opts: { readonly argumentsRecorded?: boolean } = {}): Promise<void> {
  const argumentsRecorded = opts.argumentsRecorded ?? true;
  const run = async (name: string, extra: Record<string, string> = {}): Promise<{ bad: string[]; good: number }> => {
    const rows = await runSavedQuery(http, findSavedQuery(name), { ...range(), ...extra });
    return { bad: rows.filter((r) => r.SessionId === bad).map((r) => String(r.Action ?? r.Pattern ?? r.Evidence)).sort(), good: rows.filter((r) => r.SessionId === good).length };
  };
  expect(await run('detect_unapproved_risky_action')).toEqual({ bad: ['get_secret', 'run_shell_command', 'send_email', 'send_email'], good: 0 });
  expect(await run('detect_duplicate_side_effects')).toEqual({ bad: argumentsRecorded ? ['send_email'] : [], good: 0 });
  expect(await run('detect_runaway', { max_tool_calls: String(LOOP_CALLS - 1) })).toEqual({ bad: ['tool_repeat'], good: 0 });
  const toxic = await run('detect_toxic_flow');
  expect(toxic.bad).toHaveLength(1);
  expect(toxic.good).toBe(0);

  const report = await loadIncident(http, bad, { attributes: true });
  const text = renderIncidentText(report);
  expect(text).toContain('send_email');
  expect(text).toMatch(/TOUCHED/);
  expect(report.findings.map((f) => f.detection)).toEqual(expect.arrayContaining(['detect_unapproved_risky_action', 'detect_toxic_flow', ...(argumentsRecorded ? ['detect_duplicate_side_effects'] : [])]));
  expect(renderIncidentHtml(report)).toContain('send_email');
  expect((await loadIncident(http, good)).findings).toEqual([]);
}
