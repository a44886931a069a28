/**
 * Benchmark: incident-review queries on a realistic volume in the embedded store.
 *
 *   npx node bench/review-queries.ts [--spans 10000000] [--data-dir DIR] [--keep] [--runs 3] [--only name,…] [--peer-ref main]
 *
 * --peer-ref REF also times each query as it is at git REF, alternating with this checkout's on the same data.
 *
 * Generates sessions of agent spans straight into `otel_traces` with INSERT … SELECT FROM numbers()
 * (100 spans a session: 4 turns × 25 spans of saw/decided/touched work, over the last 24 h, with a
 * few percent of sessions showing each failure pattern), then times the session timeline, every
 * detection over 24 h and the overview, and prints the data size and bytes per span.
 * Goals (issue 5): timeline ≤ 100 ms, each detection ≤ 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';
import { detectionQueries } from '../review/detections.ts';
import { runSavedQuery } from '../review/run-query.ts';
import { findSavedQuery, type SavedQuery } from '../catalogue/saved-queries.ts';
import { dateTimeParam } from '../review/time-range.ts';
import { migrate, openStore } from '../storage/store-client.ts';
import { Tables } from '../storage/tables.ts';

const { values } = parseArgs({ options: { spans: { type: 'string' }, 'data-dir': { type: 'string' }, keep: { type: 'boolean' }, runs: { type: 'string' }, batch: { type: 'string' }, only: { type: 'string' }, 'peer-ref': { type: 'string' } } });
const SPANS_PER_SESSION = 100;
const totalSpans = Math.max(SPANS_PER_SESSION, Math.round(Number(values.spans ?? 10_000_000) / SPANS_PER_SESSION) * SPANS_PER_SESSION);
const sessions = totalSpans / SPANS_PER_SESSION;
const runs = Math.max(1, Number(values.runs ?? 3));
const batchRows = Number(values.batch ?? 1_000_000);
const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'flightrec-bench-'));

const q = (s: string): string => `'${s}'`;
const now = Date.now();
// Sessions start evenly over 22 h, ending 30 min before now, so all of them fall in "the last 24 h".
const baseMs = now - 24 * 3_600_000 + 90 * 60_000;
const spacingMs = (22 * 3_600_000) / sessions;

/**
 * One span per number n: session s = n / 100, turn = (n % 100) / 25, position k = n % 25 in the turn.
 * r = a per-session hash in 0..999 picks the failure pattern (≈1% each) so detections have work.
 */
function generateSql(start: number, count: number): string {
  return `
INSERT INTO ${Tables.traces} (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
SELECT
    fromUnixTimestamp64Milli(toInt64(${baseMs} + s * ${spacingMs} + turn * if(r >= 55 AND r < 58, 60000, 300000) + k * 2000)) AS Timestamp,
    lower(hex(MD5(concat('t', toString(s), '-', toString(turn))))) AS TraceId,
    substring(lower(hex(MD5(concat('s', toString(n))))), 1, 16) AS SpanId,
    multiIf(k = 0, '',
            k IN (23, 24), substring(lower(hex(MD5(concat('s', toString(n - k + 21))))), 1, 16),
            substring(lower(hex(MD5(concat('s', toString(n - k))))), 1, 16)) AS ParentSpanId,
    multiIf(k = 0, concat('invoke_agent ', agent), k = 1, 'message_in slack', step = 'model_call', 'chat gpt-4.1',
            step = 'context', 'context tool result', step = 'policy', concat('policy ', tool), step = 'approval', concat('approval ', tool),
            step = 'task', 'task refund_order', step = 'task_step', concat('task_step ', task_step), concat('execute_tool ', tool)) AS SpanName,
    'Internal' AS SpanKind,
    agent AS ServiceName,
    map('service.name', agent, ${q(GenAI.agentName)}, agent) AS ResourceAttributes,
    'flightrec' AS ScopeName,
    '0.1.0' AS ScopeVersion,
    mapFilter((key, v) -> v != '', map(
        ${q(GenAI.conversationId)}, session,
        ${q(GenAI.agentName)}, agent,
        ${q(Flightrec.record)}, record,
        ${q(Flightrec.step)}, step,
        ${q(GenAI.operationName)}, multiIf(k = 0, 'invoke_agent', step = 'model_call', 'chat', record = 'touched', 'execute_tool', ''),
        ${q(GenAI.requestModel)}, if(step = 'model_call', 'gpt-4.1', ''),
        ${q(GenAI.usageInputTokens)}, if(step = 'model_call', toString(1500 + (cityHash64(n) % 6000)), ''),
        ${q(GenAI.usageOutputTokens)}, if(step = 'model_call', toString(50 + (cityHash64(n) % 400)), ''),
        ${q(GenAI.toolName)}, if(record = 'touched', tool, ''),
        ${q(GenAI.toolCallId)}, if(record = 'touched', concat('call_', toString(n)), ''),
        ${q(Flightrec.policyAction)}, if(step IN ('policy', 'approval'), tool, ''),
        ${q(Flightrec.policyVerdict)}, if(step = 'policy', if(r >= 10 AND r < 20, 'deny', 'allow'), ''),
        ${q(Flightrec.policyRule)}, if(step = 'policy', 'default-rule', ''),
        ${q(Flightrec.approvalStatus)}, if(step = 'approval', 'approved', ''),
        ${q(Flightrec.approvalApprover)}, if(step = 'approval', 'ops@acme.example', ''),
        ${q(Flightrec.sourceKind)}, multiIf(k = 1, 'user_message', step = 'context', if(trust = 'untrusted', 'web', 'tool_result'), ''),
        ${q(Flightrec.sourceTrust)}, if(record = 'saw', trust, ''),
        ${q(Flightrec.sourceSensitivity)}, if(record = 'saw', sensitivity, ''),
        ${q(Flightrec.sourceUri)}, if(step = 'context', concat('orders-db://order/', toString(s % 100000)), ''),
        ${q(Flightrec.contentSha256)}, if(record = 'saw', lower(hex(SHA256(toString(n)))), ''),
        ${q(Flightrec.contentProducedAt)}, if(record = 'saw', formatDateTime(fromUnixTimestamp64Milli(toInt64(${baseMs} + s * ${spacingMs} + turn * if(r >= 55 AND r < 58, 60000, 300000) + k * 2000 - if(r >= 45 AND r < 55 AND k = 4, 9 * 86400000, 60000))), '%Y-%m-%dT%H:%i:%S.000Z', 'UTC'), ''),
        ${q(Flightrec.effect)}, if(record = 'touched' OR step = 'policy', effect, ''),
        ${q(Flightrec.risk)}, if(record = 'touched', risk, ''),
        ${q(Flightrec.targetSystem)}, if(record = 'touched' OR step = 'policy', 'shop', ''),
        ${q(Flightrec.targetResource)}, if(record = 'touched' OR step = 'policy', if(k IN (5, 9), concat('mailto:customer-', toString(s), '@example.org'), concat('order/', toString(s))), ''),
        ${q(Flightrec.reversible)}, if(record = 'touched', if(effect IN ('send', 'payment'), 'false', 'true'), ''),
        ${q(Flightrec.idempotencyKey)}, if(k = 9, concat('key-', toString(s), '-', toString(if(r >= 20 AND r < 25 AND turn = 1, 0, turn))), ''),
        ${q(Flightrec.argumentsSha256)}, if(record = 'touched', lower(hex(SHA256(concat(tool, toString(n))))), ''),
        ${q(Flightrec.outcome)}, if(record = 'touched', 'ok', ''),
        ${q(Flightrec.taskId)}, if(step IN ('task', 'task_step'), concat('task-', toString(s), '-', toString(turn)), ''),
        ${q(Flightrec.taskSteps)}, if(step = 'task', if(r >= 58 AND r < 68, '["validate","refund","notify"]', '["validate","refund"]'), ''),
        ${q(Flightrec.taskStep)}, if(step = 'task_step', task_step, ''),
        ${q(Flightrec.taskStepState)}, if(step = 'task_step', 'completed', ''),
        ${q(Flightrec.taskCompletion)}, if(step = 'task', if(r >= 58 AND r < 68, 'incomplete', 'verified_complete'), '')
    )) AS SpanAttributes,
    toUInt64(multiIf(k = 0, 50000, step = 'task', 7000, 1500) * 1000000) AS Duration,
    'Unset' AS StatusCode,
    '' AS StatusMessage
FROM (
    SELECT
        number AS n,
        intDiv(number, ${SPANS_PER_SESSION}) AS s,
        intDiv(number % ${SPANS_PER_SESSION}, 25) AS turn,
        number % 25 AS k,
        cityHash64(intDiv(number, ${SPANS_PER_SESSION}), 'pattern') % 1000 AS r,
        concat('sess-', toString(s)) AS session,
        ['support-agent', 'mail-agent', 'finance-agent', 'devops-agent'][s % 4 + 1] AS agent,
        multiIf(k = 0, 'agent', k = 1, 'message_in', k IN (2, 6, 10, 14, 18), 'model_call', k IN (4, 8, 12, 16, 20), 'context',
                k = 5, 'policy', k = 13, 'approval', k = 21, 'task', k IN (23, 24), 'task_step', 'tool') AS step,
        multiIf(step IN ('message_in', 'context'), 'saw', step IN ('model_call', 'policy', 'approval'), 'decided', step = 'tool', 'touched', '') AS record,
        -- Touched tools by position; loop sessions call search_kb everywhere.
        multiIf(r >= 55 AND r < 58 AND k IN (3, 7, 11, 15, 19), 'search_kb',
                k = 3, 'lookup_order', k = 7, 'search_kb', k = 11, 'read_inbox', k = 15, 'fetch_url', k = 19, 'read_logs',
                k IN (5, 9), 'send_email', k IN (13, 17), 'issue_refund', k = 22, 'update_ticket', k = 0, '', 'noop') AS tool,
        multiIf(k IN (5, 9), 'send', k IN (13, 17), 'payment', k = 22, 'write', 'read') AS effect,
        multiIf(k = 17, 'high', k IN (9, 22), 'medium', 'low') AS risk,
        if(step = 'context' AND k = 4 AND r < 10, 'untrusted', 'trusted') AS trust,
        multiIf(step = 'context' AND k = 8 AND (r < 10 OR r % 7 = 0), 'pii', step = 'context', 'internal', '') AS sensitivity,
        if(k = 23, 'validate', 'refund') AS task_step
    FROM numbers(${start}, ${count})
)
-- approval spans are dropped for "unapproved" sessions (r 25..44), leaving the high-risk payment unapproved
WHERE NOT (k = 13 AND r >= 25 AND r < 45)
SETTINGS max_insert_threads = 2`;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function scalar(client: ClickHouseClient, sql: string): Promise<Record<string, string | number>> {
  const rs = await client.query({ query: sql, format: 'JSONEachRow' });
  return ((await rs.json()) as Record<string, string | number>[])[0]!;
}

async function main(): Promise<void> {
  console.log(`flightrec review-queries benchmark: ${totalSpans.toLocaleString('en-US')} spans (${sessions.toLocaleString('en-US')} sessions) in ${dataDir}`);
  const client = await openStore({ kind: 'embedded', path: dataDir });
  try {
    await migrate(client);
    const existing = Number((await scalar(client, `SELECT count() AS n FROM ${Tables.traces}`)).n);
    if (existing === 0) {
      const gen = await time(async () => {
        for (let start = 0; start < totalSpans; start += batchRows) {
          await client.command({ query: generateSql(start, Math.min(batchRows, totalSpans - start)) });
          process.stdout.write(`\r  generated ${Math.min(start + batchRows, totalSpans).toLocaleString('en-US')} spans`);
        }
      });
      console.log(`\n  generation + insert: ${(gen.ms / 1000).toFixed(1)} s (${Math.round(totalSpans / (gen.ms / 1000)).toLocaleString('en-US')} spans/s, incl. the session-lookup materialized view)`);
    } else {
      console.log(`  reusing ${existing.toLocaleString('en-US')} spans already in ${dataDir}`);
    }
    const size = await scalar(client, `SELECT sum(rows) AS rows, sum(bytes_on_disk) AS disk, sum(data_uncompressed_bytes) AS raw, count() AS parts
      FROM system.parts WHERE active AND database = currentDatabase() AND table = '${Tables.traces}'`);
    const rows = Number(size.rows);
    console.log(`  otel_traces: ${rows.toLocaleString('en-US')} spans, ${(Number(size.disk) / 2 ** 20).toFixed(0)} MiB on disk ` +
      `(${(Number(size.disk) / rows).toFixed(1)} bytes/span; ${(Number(size.raw) / rows).toFixed(0)} bytes/span uncompressed), ${size.parts} parts`);
    const lookup = await scalar(client, `SELECT sum(bytes_on_disk) AS disk FROM system.parts WHERE active AND database = currentDatabase() AND table = '${Tables.sessionTraces}'`);
    console.log(`  flightrec_session_traces lookup: ${(Number(lookup.disk) / 2 ** 20).toFixed(1)} MiB`);

    const range = { from: dateTimeParam(new Date(now - 24 * 3_600_000)), to: dateTimeParam(new Date(now)) };
    const pick = `sess-${Math.floor(sessions / 2)}`;
    const cases: { label: string; query: SavedQuery; params: Record<string, string>; goalMs?: number }[] = [
      { label: `session_timeline (${pick})`, query: findSavedQuery('session_timeline'), params: { session: pick }, goalMs: 100 },
      { label: 'session_effects', query: findSavedQuery('session_effects'), params: { session: pick } },
      ...detectionQueries().map((d) => ({ label: `${d.name} (24 h)`, query: d, params: range, goalMs: 1000 })),
      { label: 'overview (24 h)', query: findSavedQuery('overview'), params: range },
      { label: 'tool_error_rates (24 h)', query: findSavedQuery('tool_error_rates'), params: range },
      { label: 'recent_sessions (24 h)', query: findSavedQuery('recent_sessions'), params: range },
      { label: 'actions_by_effect_risk (24 h)', query: findSavedQuery('actions_by_effect_risk'), params: range },
    ];
    const only = values.only?.split(',');
    if (only) cases.splice(0, cases.length, ...cases.filter((c) => only.some((o) => c.query.name.includes(o))));
    const peerRef = values['peer-ref'];
    // The queries folder as it is at REF (its fragments too: a query's includes resolve beside it).
    const peerDir = peerRef ? mkdtempSync(join(tmpdir(), 'flightrec-peer-queries-')) : undefined;
    if (peerDir) execFileSync('sh', ['-c', `git archive ${JSON.stringify(peerRef)} queries | tar -x -C ${JSON.stringify(peerDir)}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const peerOf = (q: SavedQuery): SavedQuery | undefined => {
      if (!peerDir) return undefined;
      try {
        return findSavedQuery(q.name, join(peerDir, 'queries'));
      } catch {
        return undefined;
      }
    };
    console.log(`\n  ${'query'.padEnd(44)} ${'first'.padStart(9)} ${`best of ${runs}`.padStart(11)}  rows   goal`);
    let failed = 0;
    for (const c of cases) {
      const timings: number[] = [];
      const peer = peerOf(c.query);
      const peerTimings: number[] = [];
      let n = 0;
      let peerRows = 0;
      for (let i = 0; i < runs; i++) {
        const r = await time(() => runSavedQuery(client, c.query, c.params));
        timings.push(r.ms);
        n = r.value.length;
        if (peer) {
          const p = await time(() => runSavedQuery(client, peer, c.params));
          peerTimings.push(p.ms);
          peerRows = p.value.length;
        }
      }
      const best = Math.min(...timings);
      const verdict = c.goalMs === undefined ? '' : best <= c.goalMs ? `≤ ${c.goalMs} ms ok` : `> ${c.goalMs} ms MISSED`;
      if (c.goalMs !== undefined && best > c.goalMs) failed++;
      console.log(`  ${c.label.padEnd(44)} ${timings[0]!.toFixed(0).padStart(6)} ms ${best.toFixed(0).padStart(8)} ms  ${String(n).padStart(5)}  ${verdict}`);
      if (peer) {
        const peerBest = Math.min(...peerTimings);
        console.log(`  ${`  as at ${peerRef}`.padEnd(44)} ${peerTimings[0]!.toFixed(0).padStart(6)} ms ${peerBest.toFixed(0).padStart(8)} ms  ${String(peerRows).padStart(5)}  ratio ${(best / peerBest).toFixed(2)}`);
      }
    }
    if (peerDir) rmSync(peerDir, { recursive: true, force: true });
    console.log(failed ? `\n${failed} goal(s) missed.` : '\nAll goals met.');
  } finally {
    await client.close();
    if (!values.keep && !values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
