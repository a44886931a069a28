/**
 * What the collector's generated redaction stages cost, side by side in one run: the contrib
 * collector (collector-config/builder-config.yaml) with the shipped otel-collector.yaml, its
 * pipeline either
 *   (a) memory_limiter → redaction → transform/scrub → batch (the generated stages: pattern-only
 *       rules, then the rules whose checks run in OTTL), or
 *   (b) memory_limiter → batch (the peer: the same process without them),
 * exporting over OTLP/HTTP to a sink in this process that only counts spans (so the store's cost is
 * out of the figures), rounds alternating (a, b, a, b …). Two workloads: the demo's agent traffic
 * (seed/agent-workload.ts, protobuf) and the labelled redaction corpus (test/fixtures, every entry
 * as a span attribute, an exception event and the status message: a candidate in almost every span).
 * Figures: CPU seconds of the collector per million spans (user + system, /proc/<pid>/stat) and the
 * ratio (a)/(b).
 *
 *   npx node bench/collector-redaction.ts [--spans 5000] [--rounds 2] [--config another-collector.yaml]
 *
 * (--config runs another config file in place of the shipped one, e.g. an earlier version of it.)
 *
 * Needs Go (the collector is built on first use, cached) — see docs/deploy.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { workloadBodies } from '../seed/agent-workload.ts';
import { collectorBinary, postOtlp, startCollector } from '../tools/run-collector.ts';

const { values: args } = parseArgs({ options: { spans: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '2' }, config: { type: 'string' } } });
const BATCH = 500;
const BATCHES = Math.ceil(Number(args.spans) / BATCH);
const ROUNDS = Number(args.rounds);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** An OTLP/HTTP JSON sink that counts the spans it is sent. */
async function sink(): Promise<{ server: Server; url: string; spans: () => number }> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, spans: () => spans };
}

/** The corpus as OTLP/HTTP JSON requests of BATCH spans, repeated to `batches` requests. */
function corpusBodies(batches: number): string[] {
  const texts = ['tuning', 'heldout', 'fresh'].flatMap((p) => (JSON.parse(readFileSync(new URL(`../test/fixtures/redaction-${p}.json`, import.meta.url), 'utf8')) as Array<{ text: string }>).map((e) => e.text));
  return Array.from({ length: batches }, (_, b) => {
    const spans = Array.from({ length: BATCH }, (_, k) => {
      const n = b * BATCH + k;
      const id = n.toString(16).padStart(32, '0');
      const text = texts[n % texts.length]!;
      return {
        traceId: id, spanId: id.slice(16), name: 'execute_tool', kind: 1, startTimeUnixNano: '1', endTimeUnixNano: '2',
        attributes: [{ key: 'note', value: { stringValue: text } }],
        events: [{ timeUnixNano: '1', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: text } }] }],
        status: { code: 2, message: text },
      };
    });
    return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeSpans: [{ spans }] }] });
  });
}

const PIPELINES = { a: '[memory_limiter,redaction,transform/scrub,batch]', b: '[memory_limiter,batch]' } as const;

async function run(pipeline: string, bodies: readonly (Uint8Array | string)[]): Promise<number> {
  const out = await sink();
  const collector = await startCollector({
    ...(args.config ? { configs: [args.config] } : {}),
    sets: [
      `exporters.otlp_http/sink.endpoint=${out.url}`, 'exporters.otlp_http/sink.encoding=json', 'exporters.otlp_http/sink.compression=none',
      `service.pipelines.traces.processors=${pipeline}`, 'service.pipelines.traces.exporters=[otlp_http/sink]',
    ],
    env: { CLICKHOUSE_ENDPOINT: 'http://127.0.0.1:9' },
  });
  try {
    const cpu0 = cpuSeconds(collector.pid);
    for (const body of bodies) await postOtlp(collector.otlpHttpUrl, body);
    const total = bodies.length * BATCH;
    while (out.spans() < total) await new Promise((r) => setTimeout(r, 50));
    return ((cpuSeconds(collector.pid) - cpu0) / total) * 1e6;
  } finally {
    await collector.stop();
    out.server.close();
  }
}

const fmt = (n: number, d = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs: number[]): number => { const s = [...xs].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

console.log(`collector-redaction: ${(BATCHES * BATCH).toLocaleString('en-US')} spans per workload and run (${BATCHES} requests of ${BATCH}), ${ROUNDS} rounds alternating; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`collector: ${await collectorBinary()}; config: ${args.config ?? 'collector-config/otel-collector.yaml'}`);
for (const [name, bodies] of [['agent workload', workloadBodies(BATCHES, BATCH)], ['redaction corpus', corpusBodies(BATCHES)]] as const) {
  const cpu: Record<'a' | 'b', number[]> = { a: [], b: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const k of ['a', 'b'] as const) {
      cpu[k].push(await run(PIPELINES[k], bodies));
      console.log(`${name}, round ${round} (${k}) ${PIPELINES[k]}: ${fmt(cpu[k].at(-1)!)} CPU-s per million spans`);
    }
  }
  const a = median(cpu.a);
  const b = median(cpu.b);
  console.log(`${name}: median (a) with the redaction stages ${fmt(a)}, (b) without ${fmt(b)} CPU-s per million spans; ratio (a)/(b) ${fmt(a / b, 2)}; the stages ≈ ${fmt(a - b)} CPU-s per million spans`);
}
