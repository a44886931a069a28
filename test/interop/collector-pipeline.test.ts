/**
 * The shipped collector configs, run with the real collector (collector-config/builder-config.yaml):
 * `validate` on each; the production pipeline (memory_limiter → redaction → transform/scrub →
 * tail_sampling → batch → clickhouse exporter) writing into `flightrec up` as its writer user; tail
 * sampling keeping every error, denial, approval and high/critical-risk trace and about the configured
 * share of routine ones; the collector-side redaction against the project's redaction corpus; and the
 * loadbalancing tier routing whole traces to two second-tier collectors on loopback.
 *
 * Changed from the shipped files (tools/run-collector.ts): listening addresses, the
 * collector's own metrics endpoint, and here tail sampling's decision_wait (30 s → 2 s) so a run takes
 * seconds; the policies and every other setting are as shipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Flightrec } from '../../instrumentation/semconv.ts';
import { ExportTraceServiceRequest } from '../../receiver/otlp-proto-schema.ts';
import { CLUSTER_OVERLAY, CONFIG, EMBEDDED_OVERLAY, LOADBALANCER, collectorBinary, postOtlp, startCollector, validate, waitFor, type RunningCollector } from '../../tools/run-collector.ts';
import { startUp, WRITER, type UpProcess } from '../../tools/flightrec-up.ts';

const shipped = parse(readFileSync(CONFIG, 'utf8')) as { processors: { tail_sampling: { policies: { name: string; probabilistic?: { sampling_percentage: number } }[] } } };
const ROUTINE_SHARE = shipped.processors.tail_sampling.policies.find((p) => p.name === 'routine')!.probabilistic!.sampling_percentage / 100;

type Any = Record<string, unknown>;
const str = (key: string, value: string): Any => ({ key, value: { stringValue: value } });

/** A trace of three spans; `mark` goes on the middle one (tail sampling must keep the whole trace). */
function trace(mark: Any[], status: { code: number; message?: string } = { code: 0 }): { id: string; spans: Any[] } {
  const traceId = randomBytes(16);
  const root = randomBytes(8);
  const now = BigInt(Date.now() - 5_000) * 1_000_000n;
  const span = (name: string, attributes: Any[], s = { code: 0 } as { code: number; message?: string }, parent?: Buffer): Any => ({
    traceId, spanId: parent ? randomBytes(8) : root, parentSpanId: parent, name, kind: 1,
    startTimeUnixNano: now.toString(), endTimeUnixNano: (now + 1_000_000n).toString(), attributes, status: s,
  });
  return {
    id: traceId.toString('hex'),
    spans: [span('invoke_agent', [str('gen_ai.operation.name', 'invoke_agent')]), span('execute_tool', [str('gen_ai.tool.name', 'lookup'), ...mark], status, root), span('chat', [], { code: 0 }, root)],
  };
}
const body = (spans: Any[]): Uint8Array => ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({
  resourceSpans: [{ resource: { attributes: [str('service.name', 'sampling-agent')] }, scopeSpans: [{ scope: { name: 'flightrec' }, spans }] }],
})).finish();

describe('collector configs validate with the real binary', () => {
  beforeAll(async () => { await collectorBinary(); }, 1_800_000);
  const env = { CLICKHOUSE_ENDPOINT: 'http://127.0.0.1:8123', CLICKHOUSE_CLUSTER: 'flightrec', FLIGHTREC_COLLECTORS_DNS: 'collectors', FLIGHTREC_OTLP_ENDPOINT: 'http://127.0.0.1:4318', FLIGHTREC_INGEST_TOKEN: 't' };
  it('otel-collector.yaml', async () => { await validate([CONFIG], env); });
  it('otel-collector.yaml with the cluster overlay', async () => { await validate([CONFIG, CLUSTER_OVERLAY], env); });
  it('otel-collector.loadbalancer.yaml', async () => { await validate([LOADBALANCER], env); });
  it('otel-collector.yaml with the overlay for flightrec up', async () => { await validate([CONFIG, EMBEDDED_OVERLAY], env); });
  it('and the shipped config is refused without the lambda feature gate its checked redaction rules need', async () => {
    await expect(validate([CONFIG], env, [])).rejects.toThrow(/unable to parse OTTL statement/);
  });
  it('and validate does fail on a config the collector cannot run', async () => {
    await expect(validate([CONFIG, 'yaml:service::pipelines::traces::processors: [memory_limiter, no_such_processor]'], env)).rejects.toThrow(/no_such_processor/);
  });
});

interface Corpus { secrets: { name: string; text: string; secret: string }[]; lookalikes: { name: string; text: string }[] }
const corpus = JSON.parse(readFileSync(new URL('../fixtures/redaction-corpus.json', import.meta.url), 'utf8')) as Corpus;

describe('the production pipeline into flightrec up', () => {
  let up: UpProcess;
  let collector: RunningCollector;
  const routine: string[] = [];
  const kept: Record<string, string[]> = { error: [], denial: [], approval: [], high: [], critical: [] };
  const corpusTraces = new Map<string, string>(); // trace id → corpus entry name

  beforeAll(async () => {
    await collectorBinary();
    up = await startUp();
    collector = await startCollector({
      sets: ['processors.tail_sampling.decision_wait=2s'],
      env: { CLICKHOUSE_ENDPOINT: up.queryUrl, CLICKHOUSE_USER: WRITER.name, CLICKHOUSE_PASSWORD: WRITER.password },
    });
    const spans: Any[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = trace([str(Flightrec.risk, 'low'), str(Flightrec.policyVerdict, 'allow')]);
      routine.push(t.id);
      spans.push(...t.spans);
    }
    for (let i = 0; i < 20; i++) {
      const marks: [string, Any[], { code: number; message?: string }?][] = [
        ['error', [], { code: 2, message: 'tool failed' }],
        ['denial', [str(Flightrec.policyVerdict, 'deny')]],
        ['approval', [str(Flightrec.approvalStatus, i % 2 ? 'approved' : 'rejected')]],
        ['high', [str(Flightrec.risk, 'high')]],
        ['critical', [str(Flightrec.risk, 'critical')]],
      ];
      for (const [kind, mark, status] of marks) {
        const t = trace(mark, status);
        kept[kind]!.push(t.id);
        spans.push(...t.spans);
      }
    }
    // The corpus: each text in a free-form attribute, a prompt attribute, an event and the status message
    // of an error span (an error trace: sampling keeps it).
    for (const entry of [...corpus.secrets, ...corpus.lookalikes]) {
      const t = trace([str('note', entry.text), str('gen_ai.input.messages', entry.text)], { code: 2, message: entry.text });
      (t.spans[1] as Any).events = [{ timeUnixNano: (t.spans[1] as Any).startTimeUnixNano, name: 'exception', attributes: [str('exception.message', entry.text)] }];
      corpusTraces.set(t.id, entry.name);
      spans.push(...t.spans);
    }
    for (let i = 0; i < spans.length; i += 500) await postOtlp(collector.otlpHttpUrl, body(spans.slice(i, i + 500)));
    // Decisions come decision_wait after a trace's first span, then the batch timeout: wait for every
    // trace that must be kept, then until the count holds still for twice the batch timeout.
    const mustKeep = [...Object.values(kept).flat(), ...corpusTraces.keys()];
    await waitFor('every trace sampling must keep', async () => (await stored()).size > 0 && mustKeep.every((id) => lastStored.get(id) === 3), 120_000);
    let before = -1;
    await waitFor('the collector to finish writing', async () => {
      await new Promise((r) => setTimeout(r, 4_000));
      const n = [...(await stored()).values()].reduce((a, b) => a + b, 0);
      const still = n === before;
      before = n;
      return still;
    }, 120_000);
  }, 1_800_000);

  afterAll(async () => {
    await collector?.stop();
    await up?.stop();
  });

  let lastStored = new Map<string, number>();
  /** Spans per trace id in the store. */
  const stored = async (): Promise<Map<string, number>> => {
    const rows = await (await up.reader.query({ query: 'SELECT TraceId, count() AS spans FROM otel_traces GROUP BY TraceId', format: 'JSONEachRow' })).json<{ TraceId: string; spans: string }>();
    lastStored = new Map(rows.map((r) => [r.TraceId, Number(r.spans)]));
    return lastStored;
  };
  const tracesIn = async (ids: readonly string[]): Promise<Map<string, number>> => {
    const all = await stored();
    return new Map(ids.filter((id) => all.has(id)).map((id) => [id, all.get(id)!]));
  };

  it.each(['error', 'denial', 'approval', 'high', 'critical'])('keeps every %s trace, all three spans', async (kind) => {
    const found = await tracesIn(kept[kind]!);
    expect(found.size).toBe(20);
    for (const spans of found.values()) expect(spans).toBe(3);
  });

  it('keeps about the configured share of routine traces, whole', async () => {
    const found = await tracesIn(routine);
    // Binomial: 1000 traces at 10 % keep 100 ± 9.5 (one standard deviation); 4.5 of them either side.
    const expected = routine.length * ROUTINE_SHARE;
    const sd = Math.sqrt(routine.length * ROUTINE_SHARE * (1 - ROUTINE_SHARE));
    expect(found.size).toBeGreaterThan(expected - 4.5 * sd);
    expect(found.size).toBeLessThan(expected + 4.5 * sd);
    for (const spans of found.values()) expect(spans).toBe(3);
  });

  type Where = 'attributes' | 'events' | 'status';
  /** What the corpus traces stored, by trace (corpus entry name), in span attributes, event attributes and status messages. */
  async function storedTexts(): Promise<Map<string, Record<Where, string>>> {
    const rows = await (await up.reader.query({
      query: `SELECT TraceId,
                arrayStringConcat(groupArray(arrayStringConcat(mapValues(SpanAttributes), '\\n')), '\\n') AS attributes,
                arrayStringConcat(groupArray(arrayStringConcat(arrayMap(m -> arrayStringConcat(mapValues(m), '\\n'), Events.Attributes), '\\n')), '\\n') AS events,
                arrayStringConcat(groupArray(StatusMessage), '\\n') AS status
              FROM otel_traces GROUP BY TraceId`,
      format: 'JSONEachRow',
    })).json<{ TraceId: string } & Record<Where, string>>();
    return new Map(rows.filter((r) => corpusTraces.has(r.TraceId)).map((r) => [corpusTraces.get(r.TraceId)!, r]));
  }

  it('stores every corpus trace (they are error traces: sampling keeps them)', async () => {
    expect((await storedTexts()).size).toBe(corpusTraces.size);
  });

  // The redaction/transform blocks are generated from the SDK's rule source (npm run redaction:generate).
  it('removes every corpus secret from every attribute, event and status message', async () => {
    const texts = await storedTexts();
    const leakedIn = (where: Where): string[] => corpus.secrets.filter((s) => texts.get(s.name)![where].includes(s.secret)).map((s) => s.name);
    const leaked = { attributes: leakedIn('attributes'), events: leakedIn('events'), status: leakedIn('status') };
    console.info(`collector-side redaction, secrets left of ${corpus.secrets.length}: attributes ${leaked.attributes.length}, events ${leaked.events.length}, status messages ${leaked.status.length}; in attributes: ${leaked.attributes.join('; ')}`);
    expect(leaked).toEqual({ attributes: [], events: [], status: [] });
  });

  // The checked rules keep their look-alikes (a 16-digit number failing Luhn, logo@2x.png, a git sha
  // gitleaks' Sourcegraph rule reports only near its keywords…): their checks run in OTTL.
  it('leaves the corpus look-alikes readable everywhere', async () => {
    const texts = await storedTexts();
    const masked = corpus.lookalikes.filter((l) => (['attributes', 'events', 'status'] as const).some((w) => !texts.get(l.name)![w].includes(l.text))).map((l) => l.name);
    console.info(`look-alikes masked by the collector: ${masked.join('; ') || 'none'}`);
    expect(masked).toEqual([]);
  });
});

describe('the loadbalancing tier routes whole traces to one of two collectors', () => {
  let stores: UpProcess[] = [];
  let tier2: RunningCollector[] = [];
  let balancer: RunningCollector;
  const ids: string[] = [];

  beforeAll(async () => {
    await collectorBinary();
    stores = await Promise.all([startUp(), startUp()]);
    // Second tier: the shipped config, each into its own store, with a pipeline that keeps every span
    // (sampling is tested above; here every span must arrive somewhere).
    tier2 = await Promise.all(stores.map((s) => startCollector({
      sets: ['service.pipelines.traces.processors=[memory_limiter,batch]', 'processors.batch.timeout=500ms'],
      env: { CLICKHOUSE_ENDPOINT: s.queryUrl, CLICKHOUSE_USER: WRITER.name, CLICKHOUSE_PASSWORD: WRITER.password },
    })));
    balancer = await startCollector({
      configs: [LOADBALANCER],
      sets: ['exporters.loadbalancing.resolver.dns=null', `exporters.loadbalancing.resolver.static.hostnames=[${tier2.map((c) => c.grpcAddress).join(',')}]`],
      env: { FLIGHTREC_COLLECTORS_DNS: 'unused' },
    });
    // 200 traces; each trace's three spans in three different requests.
    const traces = Array.from({ length: 200 }, () => trace([]));
    for (const t of traces) ids.push(t.id);
    for (let k = 0; k < 3; k++) await postOtlp(balancer.otlpHttpUrl, body(traces.map((t) => t.spans[k]!)));
    await waitFor('600 spans in the two stores', async () => {
      let n = 0;
      for (const s of stores) n += Number((await (await s.reader.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
      return n >= 600;
    }, 120_000);
  }, 1_800_000);

  afterAll(async () => {
    await balancer?.stop();
    for (const c of tier2) await c.stop();
    await Promise.all(stores.map((s) => s.stop()));
  });

  it('every trace whole in exactly one store, and both stores used', async () => {
    const perStore = await Promise.all(stores.map(async (s) => new Map((await (await s.reader.query({
      query: 'SELECT TraceId, count() AS spans FROM otel_traces GROUP BY TraceId', format: 'JSONEachRow',
    })).json<{ TraceId: string; spans: string }>()).map((r) => [r.TraceId, Number(r.spans)]))));
    for (const id of ids) {
      const where = perStore.map((m) => m.get(id) ?? 0);
      expect(where.filter((n) => n > 0), id).toHaveLength(1);
      expect(where.reduce((a, b) => a + b), id).toBe(3);
    }
    console.info(`loadbalancing: traces per second-tier collector ${perStore.map((m) => m.size).join(' / ')}`);
    for (const m of perStore) expect(m.size).toBeGreaterThan(40);
  });
});

describe('the collector in front of flightrec up (otel-collector.embedded.yaml): OTLP/HTTP into its receiver', () => {
  it('delivers the traces sampling keeps, with the ingest token', async () => {
    await collectorBinary();
    const up = await startUp({ FLIGHTREC_INGEST_TOKEN: 'edge-token' });
    const collector = await startCollector({
      configs: [CONFIG, EMBEDDED_OVERLAY],
      sets: ['processors.tail_sampling.decision_wait=1s', 'processors.batch.timeout=200ms'],
      env: { CLICKHOUSE_ENDPOINT: 'http://127.0.0.1:1', FLIGHTREC_OTLP_ENDPOINT: up.otlpUrl, FLIGHTREC_INGEST_TOKEN: 'edge-token' },
    });
    try {
      const traces = Array.from({ length: 10 }, () => trace([], { code: 2, message: 'failed' }));
      await postOtlp(collector.otlpHttpUrl, body(traces.flatMap((t) => t.spans)));
      await waitFor('30 spans in flightrec up', async () => Number((await (await up.reader.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n) >= 30, 60_000);
      const ids = await (await up.reader.query({ query: 'SELECT DISTINCT TraceId FROM otel_traces ORDER BY TraceId', format: 'JSONEachRow' })).json<{ TraceId: string }>();
      expect(ids.map((r) => r.TraceId)).toEqual(traces.map((t) => t.id).sort());
    } finally {
      await collector.stop();
      await up.stop();
    }
  }, 1_800_000);
});
