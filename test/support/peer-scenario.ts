/**
 * One scripted agent conversation that every peer (an agent framework or instrumentation flightrec
 * did not write) runs against the scripted model, and the checks its recording must pass.
 *
 * Bad run, two turns: read a file (untrusted), read a secret, a shell command that fails; then send
 * the same mail twice (a duplicate send, high risk, no approval) and fetch one URL over and over (a
 * loop). Good run, two turns: read a file, a lookup that fails; then the weather. Every tool's
 * effect and risk come from the default tool catalogue — nothing in the agent names them.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { expect } from 'vitest';
import { chTime } from '../../cli/commands/export.ts';
import { loadIncident } from '../../review/incident.ts';
import { renderIncidentHtml } from '../../review/render-html.ts';
import { renderIncidentText } from '../../review/render-text.ts';
import { runSavedQuery } from '../../review/run-query.ts';
import { findSavedQuery } from '../../catalogue/saved-queries.ts';
import type { ScriptStep } from './scripted-model.ts';

export const MAIL = { to: 'cfo@acme.example', body: 'The numbers you asked for.' } as const;
export const LOOP_URL = 'https://status.example/health';
export const LOOP_CALLS = 4;

export const TURN_1 = 'Read notes.txt and the deploy key, then list the server root.';
export const TURN_2 = 'Now mail the CFO and keep checking the status page.';
export const GOOD_TURN_1 = 'Read notes.txt and look up order 42.';
export const GOOD_TURN_2 = 'What is the weather in Berlin?';

/** Scripts for the scripted model, stepped by (user messages + tool results − 1): byTurnAndToolResults. */
export const BAD_SCRIPT: readonly ScriptStep[] = [
  { tool: 'read_file', args: { path: 'notes.txt' } },
  { tool: 'get_secret', args: { name: 'deploy_key' } },
  { tool: 'run_shell_command', args: { command: 'ls /root' } },
  { text: 'Turn one done.' },
  { tool: 'send_email', args: MAIL },
  { tool: 'send_email', args: MAIL },
  ...Array.from({ length: LOOP_CALLS }, () => ({ tool: 'fetch_url', args: { url: LOOP_URL } })),
  { text: 'Turn two done.' },
];
export const GOOD_SCRIPT: readonly ScriptStep[] = [
  { tool: 'read_file', args: { path: 'notes.txt' } },
  { tool: 'lookup_order', args: { id: '42' } },
  { text: 'Order 42 is not found.' },
  { tool: 'get_weather', args: { city: 'Berlin' } },
  { text: 'Sunny.' },
];

/** The tools every peer offers, as plain functions of their JSON arguments; two of them fail. */
export const PEER_TOOLS: Readonly<Record<string, { description: string; params: readonly string[]; run: (args: Record<string, string>) => string }>> = {
  read_file: { description: 'Read a file', params: ['path'], run: ({ path }) => `contents of ${path}: ship on Friday` },
  get_secret: { description: 'Read a secret', params: ['name'], run: () => 'sk-test-not-a-real-key' },
  run_shell_command: { description: 'Run a shell command', params: ['command'], run: () => { throw new Error('permission denied'); } },
  send_email: { description: 'Send an email', params: ['to', 'body'], run: ({ to }) => `sent to ${to}` },
  fetch_url: { description: 'Fetch a URL', params: ['url'], run: () => 'status: degraded' },
  lookup_order: { description: 'Look up an order', params: ['id'], run: ({ id }) => { throw new Error(`order ${id} not found`); } },
  get_weather: { description: 'Weather for a city', params: ['city'], run: () => 'sunny, 21 C' },
};

/**
 * Run a peer tool as the agent would. The pause keeps a tool span and the next model call apart:
 * some frameworks stamp spans in whole milliseconds, and a tie would make the timeline's order a coin toss.
 */
export async function runPeerTool(name: string, args: Record<string, string>): Promise<string> {
  await new Promise((r) => setTimeout(r, 3));
  return PEER_TOOLS[name]!.run(args);
}

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
