/**
 * `flightrec up` killed with SIGKILL mid-stream and started again on the same data directory and
 * port: the real protobuf exporter retries through the gap (connection refused is retryable), and
 * every span the receiver acknowledged — before or after the crash — is in the store afterwards.
 * In `wal` mode the kill leaves acknowledged rows in the write-ahead log only; the test also cuts a
 * record off at the end of the newest segment (a write interrupted by the crash): the restart
 * reports it on stderr, skips it, and replays everything else.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { parseSegment, recordHeader } from '../receiver/write-ahead-log.ts';
import { runCli } from '../tools/run-cli.ts';
import { startUp as startUpProcess, type RunningUp as UpProcess } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { exportBatch, makeSpans, succeeded } from './support/otlp-clients.ts';

const dirs: ReturnType<typeof tempDir>[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) d.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start `flightrec up` on fixed ports (a restart must come back on the same ones). */
async function startUp(dataDir: string, mode: string, otlpPort: number, queryPort: number): Promise<UpProcess> {
  // wal: no timed flush, so at the kill every acknowledged span is in the log only; inserts happen
  // on replay, when a query waits for them, and on the graceful stop.
  const up = await startUpProcess(['--data-dir', dataDir, '--otlp-port', String(otlpPort), '--query-port', String(queryPort), '--ingest-mode', mode], { env: { FLIGHTREC_WAL_FLUSH_MS: '600000' } });
  children.push(up.child);
  return up;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(['direct', 'wal'])('receiver restart mid-stream (--ingest-mode %s)', (mode) => {
  it('keeps every acknowledged span across a SIGKILL and a restart on the same directory and port', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const walDir = join(dir.path, 'flightrec-wal');
    const otlpPort = await freePort();
    const queryPort = await freePort();
    let up = await startUp(dir.path, mode, otlpPort, queryPort);

    const BATCHES = 30;
    const spans = await makeSpans(BATCHES * 20, 'restart-agent');
    const batches = Array.from({ length: BATCHES }, (_, i) => spans.slice(i * 20, (i + 1) * 20));
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces`, timeoutMillis: 30_000 });
    const results: boolean[] = new Array(BATCHES).fill(false);
    const inFlight: Promise<void>[] = [];
    let restarted: Promise<void> | null = null;
    let walRowsAtKill = 0;
    let ackedAtKill = 0;
    for (let i = 0; i < BATCHES; i++) {
      if (i === 10) {
        const killed = up.child;
        killed.kill('SIGKILL');
        await new Promise((r) => killed.once('exit', r));
        ackedAtKill = results.filter(Boolean).length * 20;
        if (mode === 'wal') {
          const segments = readdirSync(walDir).filter((n) => n.endsWith('.wal')).sort();
          walRowsAtKill = segments.reduce((n, s) => n + parseSegment(readFileSync(join(walDir, s))).batches.reduce((m, b) => m + b.spans, 0), 0);
          // A record cut off by the crash: a whole header announcing more data than follows.
          const torn = Buffer.from('never acknowledged\n');
          const header = recordHeader({ spans: 1, data: Buffer.concat([torn, Buffer.alloc(100)]) });
          appendFileSync(join(walDir, segments.at(-1) ?? '000000009999.wal'), Buffer.concat([header, torn]));
        }
        restarted = sleep(300).then(async () => {
          up = await startUp(dir.path, mode, otlpPort, queryPort);
        });
      }
      inFlight.push(exportBatch(exporter, batches[i]!).then((r) => void (results[i] = succeeded(r))));
      await sleep(40);
    }
    await restarted;
    await Promise.all(inFlight);
    await exporter.shutdown();

    expect(results.filter((ok) => !ok)).toEqual([]);
    const http = createClient({ url: `http://127.0.0.1:${queryPort}`, database: 'otel', log: { level: ClickHouseLogLevel.OFF } });
    try {
      const rows = await (await http.query({ query: "SELECT DISTINCT SpanId FROM otel_traces WHERE ServiceName = 'restart-agent' ORDER BY SpanId", format: 'JSONEachRow' })).json<{ SpanId: string }>();
      // At least once: a batch written just before the kill, but not yet acknowledged, is sent again.
      expect(rows.map((r) => r.SpanId)).toEqual(spans.map((s) => s.spanContext().spanId).sort());
      const torn = await (await http.query({ query: "SELECT count() AS n FROM otel_traces WHERE SpanName LIKE '%never acknowledged%'", format: 'JSONEachRow' })).json<{ n: string }>();
      expect(Number(torn[0]!.n)).toBe(0);
    } finally {
      await http.close();
    }
    if (mode === 'wal') {
      // Every span acknowledged before the kill was in the log only (and not sent again by the
      // exporter), so the replay is what put it in the store.
      expect(ackedAtKill).toBeGreaterThan(0);
      expect(walRowsAtKill).toBeGreaterThanOrEqual(ackedAtKill);
      expect(up.output()).toMatch(/write-ahead log .*\.wal: truncated record at byte \d+ .*skipping the rest of this segment/);
    }

    // A graceful stop drains and exits 0; in wal mode it leaves no segment behind.
    up.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => up.child.once('exit', r));
    expect(code).toBe(0);
    if (mode === 'wal') expect(readdirSync(walDir)).toEqual([]);
  });
});

describe('a write-ahead log left by a killed `flightrec up`', () => {
  it('is stored before a CLI command reads the same data directory in-process', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const walDir = join(dir.path, 'flightrec-wal');
    const otlpPort = await freePort();
    const up = await startUp(dir.path, 'wal', otlpPort, await freePort());
    const spans = await makeSpans(100, 'leftover-agent', { 'gen_ai.conversation.id': 'leftover-session' });
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${otlpPort}/v1/traces` });
    for (let i = 0; i < 5; i++) expect(succeeded(await exportBatch(exporter, spans.slice(i * 20, (i + 1) * 20)))).toBe(true);
    await exporter.shutdown();
    up.child.kill('SIGKILL');
    await new Promise((r) => up.child.once('exit', r));
    const logged = readdirSync(walDir).filter((n) => n.endsWith('.wal')).reduce((n, s) => n + parseSegment(readFileSync(join(walDir, s))).batches.reduce((m, b) => m + b.spans, 0), 0);
    expect(logged).toBe(100); // acknowledged, in the log only

    const args = ['query', 'session_timeline', '--param', 'session=leftover-session', '--format', 'json', '--data-dir', dir.path];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/stored 100 spans that a stopped `flightrec up` had accepted/);
    const rows = JSON.parse(first.stdout) as { SpanId: string }[];
    expect(rows.map((r) => r.SpanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    expect(readdirSync(walDir).filter((n) => n.endsWith('.wal'))).toEqual([]);

    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    expect((JSON.parse(second.stdout) as unknown[]).length).toBe(100);
  });
});
