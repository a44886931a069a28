/**
 * The labelled redaction corpus (tuning, held-out and fresh held-out parts) through the REAL contrib collector with
 * the shipped collector-config/otel-collector.yaml — its generated `redaction` and `transform/scrub`
 * stages, memory limiter, tail sampling and batch as shipped — and the overlay that exports into
 * `flightrec up` (collector-config/otel-collector.embedded.yaml); scored from what the store holds:
 * the span attribute, the event attribute and the status message of each entry's span, per
 * category, as docs/semantic-conventions.md reports them. (A Go-regexp emulation cannot stand in
 * for the collector any more: the checked rules run in OTTL — test/interop/redaction-collector.test.ts
 * checks the patterns themselves.)
 *
 * Changed from the shipped files: listening addresses, the collector's own metrics off, and tail
 * sampling's decision_wait (30 s → 2 s) so a run takes seconds. Every entry is an error span, which
 * the shipped sampling policy keeps.
 *
 * The binary: the collector build of tools/run-collector.ts (`npm run collector:build`), started
 * and stopped by its startCollector.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { MARK } from '../../instrumentation/redaction/collector-checks.ts';
import { score, type CategoryScore, type CorpusEntry } from '../support/redaction-corpus/entry.ts';
import { figureRows, freshRows } from '../support/redaction-corpus/figures.ts';
import { startFlightrecUp, type RunningUp } from '../../tools/flightrec-up.ts';
import { CONFIG, EMBEDDED_OVERLAY, startCollector, type RunningCollector } from '../../tools/run-collector.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PARTS = ['tuning', 'heldout', 'fresh'] as const;
const entries = PARTS.map((p) => JSON.parse(readFileSync(join(ROOT, `test/fixtures/redaction-${p}.json`), 'utf8')) as CorpusEntry[]);
const READER_PASSWORD = 'corpus-reader';
const INGEST_TOKEN = 'corpus-ingest';
const SERVICE = 'redaction-corpus';

/** Trace id of entry i of part p: 32 hex digits, unique across parts. */
const HOSTILE_SERVICE = 'redaction-hostile';
const HOSTILE_TRACE = 'f'.repeat(32);
const HOSTILE: Record<string, object> = {
  int_card: { intValue: '4111111111111111' },
  int_lookalike: { intValue: '4111111111111112' },
  int_small: { intValue: '12345' },
  list: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: 'card 4111 1111 1111 1111' }] } },
  map: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'DE89 3704 0044 0532 0130 00' } }] } },
  forged: { stringValue: `${MARK}4111 1111 1111 1111${MARK} and ${MARK}x${MARK}` },
  forged_lookalike: { stringValue: `ref ${MARK}4111 1111 1111 1112 then 4111 1111 1111 1111` },
};
const traceId = (p: number, i: number): string => ((p + 1) * 1_000_000 + i).toString(16).padStart(32, '0');

type Where = 'attribute' | 'event' | 'status';
const LABEL: Record<Where, Parameters<typeof figureRows>[0]> = { attribute: 'real collector, attributes', event: 'real collector, events', status: 'real collector, status' };

describe('the redaction corpus through the real collector into flightrec up', () => {
  let up: RunningUp;
  let collector: RunningCollector | undefined;
  let reader: ClickHouseClient;
  const stored = new Map<string, Record<Where, string>>();

  beforeAll(async () => {
    up = await startFlightrecUp({ FLIGHTREC_READER_PASSWORD: READER_PASSWORD, FLIGHTREC_WRITER_PASSWORD: 'corpus-writer', FLIGHTREC_INGEST_TOKEN: INGEST_TOKEN });
    collector = await startCollector({
      configs: [CONFIG, EMBEDDED_OVERLAY],
      sets: ['processors.tail_sampling.decision_wait=2s'],
      // The base file's ClickHouse exporter is replaced by the overlay's; its endpoint is still read.
      env: { CLICKHOUSE_ENDPOINT: 'http://127.0.0.1:9', FLIGHTREC_OTLP_ENDPOINT: up.otlpUrl, FLIGHTREC_INGEST_TOKEN: INGEST_TOKEN },
    });
    const log = collector.output;

    // Each entry: one error span with the text as a span attribute, an exception event's message and the status message.
    const now = (BigInt(Date.now() - 5_000) * 1_000_000n).toString();
    const all = entries.flatMap((part, p) => part.map((e, i) => ({ text: e.text, id: traceId(p, i) })));
    for (let k = 0; k < all.length; k += 200) {
      const spans = all.slice(k, k + 200).map(({ text, id }) => ({
        traceId: id, spanId: id.slice(16), name: 'execute_tool', kind: 1, startTimeUnixNano: now, endTimeUnixNano: now,
        attributes: [{ key: 'note', value: { stringValue: text } }],
        events: [{ timeUnixNano: now, name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: text } }] }],
        status: { code: 2, message: text },
      }));
      const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] }, scopeSpans: [{ scope: { name: 'flightrec' }, spans }] }] });
      const res = await fetch(`${collector.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (res.status !== 200) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
    }

    // Hostile and typed values (one span, its own service): forged markers, a card as a number, in a
    // list and in a map, a look-alike number, a resource attribute and a status message.
    const hostile = {
      traceId: HOSTILE_TRACE, spanId: HOSTILE_TRACE.slice(16), name: 'execute_tool', kind: 1, startTimeUnixNano: now, endTimeUnixNano: now,
      attributes: Object.entries(HOSTILE).map(([key, value]) => ({ key, value })),
      status: { code: 2, message: `${MARK}4111 1111 1111 1111${MARK} x` },
    };
    const hostileBody = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: HOSTILE_SERVICE } }, { key: 'host.card', value: { stringValue: '4111-1111-1111-1111' } }] }, scopeSpans: [{ scope: { name: 'flightrec' }, spans: [hostile] }] }] };
    const res = await fetch(`${collector.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hostileBody) });
    if (res.status !== 200) throw new Error(`collector answered ${res.status}: ${await res.text()}`);

    reader = createClient({ url: up.queryUrl, username: 'reader', password: READER_PASSWORD, database: 'otel', request_timeout: 120_000, log: { level: ClickHouseLogLevel.OFF } });
    for (const deadline = Date.now() + 180_000; stored.size < all.length;) {
      if (Date.now() > deadline) throw new Error(`stored ${stored.size} of ${all.length} corpus spans in 180 s:\n${log()}`);
      await new Promise((r) => setTimeout(r, 2_000));
      const rows = await (await reader.query({
        query: `SELECT TraceId, SpanAttributes['note'] AS attribute, Events.Attributes[1]['exception.message'] AS event, StatusMessage AS status
                FROM otel_traces WHERE ServiceName = {service:String}`,
        query_params: { service: SERVICE },
        format: 'JSONEachRow',
      })).json<{ TraceId: string } & Record<Where, string>>();
      for (const r of rows) stored.set(r.TraceId, r);
    }
  }, 600_000);

  afterAll(async () => {
    await reader?.close();
    await collector?.stop();
    await up?.stop();
  });

  const scores = (where: Where): CategoryScore[][] => entries.map((part, p) => score(part, part.map((_e, i) => stored.get(traceId(p, i))![where])));

  it('stores every entry, each in one span', () => {
    expect(stored.size).toBe(entries.flat().length);
  });

  it.each(['attribute', 'event', 'status'] as const)('what is stored in the %s scores as docs/semantic-conventions.md says', (where) => {
    const [tuning, heldout, fresh] = scores(where);
    const doc = readFileSync(join(ROOT, 'docs/semantic-conventions.md'), 'utf8');
    for (const row of figureRows(LABEL[where], tuning!, heldout!)) expect(doc, row).toContain(row);
    for (const row of freshRows(LABEL[where], fresh!)) expect(doc, row).toContain(row);
  });

  it('checked rules fail closed on forged markers and reach numbers, lists, maps, resource attributes and status messages', async () => {
    let row: { attrs: Record<string, string>; resource: Record<string, string>; status: string } | undefined;
    for (const deadline = Date.now() + 60_000; !row && Date.now() < deadline; await new Promise((r) => setTimeout(r, 1_000))) {
      [row] = await (await reader.query({
        query: `SELECT SpanAttributes AS attrs, ResourceAttributes AS resource, StatusMessage AS status FROM otel_traces WHERE ServiceName = {service:String}`,
        query_params: { service: HOSTILE_SERVICE },
        format: 'JSONEachRow',
      })).json<{ attrs: Record<string, string>; resource: Record<string, string>; status: string }>();
    }
    expect(row, 'the hostile span is stored').toBeDefined();
    const F = '\uFFFD'; // a marker in the input becomes U+FFFD before any rule marks its matches
    expect(row!.resource['host.card']).toBe('****');
    expect(row!.attrs).toMatchObject({
      int_card: '****',
      int_lookalike: '4111111111111112',
      int_small: '12345',
      list: '["x","card ****"]',
      map: '{"k":"****"}',
      forged: `${F}****${F} and ${F}x${F}`,
      forged_lookalike: `ref ${F}4111 1111 1111 1112 then ****`,
    });
    expect(row!.status).toBe(`${F}[REDACTED]${F} x`);
  });

  it('span event attributes score as span attributes (the redaction processor of this release masks both)', () => {
    expect(scores('event')).toEqual(scores('attribute'));
  });
});
