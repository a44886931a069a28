/**
 * A default (`--content hashes`) export never holds content text: for every content key of the one
 * list (instrumentation/content-keys.ts) and every capture mode of the instrumentation, in every
 * record format, the text is absent and its keyed hash (HMAC-SHA256 under the store's content key)
 * is present; the same stored bytes hash the same in JSON Lines, CSV and OCSF, invalid UTF-8 included.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, loadPrivateKey } from '../audit/keys.ts';
import type { ContentMode } from '../audit/audit-record.ts';
import type { RecordFormat } from '../audit/record-format.ts';
import { runExport } from '../audit/run-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { CONTENT_KEY_PREFIXES, CONTENT_KEYS, isContentKey } from '../instrumentation/content-keys.ts';
import { recordInbound, recordSeen, startContextLoad, startModelCall, startMessageSend, wrapTool } from '../instrumentation/index.ts';
import { CaptureModes, type CaptureMode } from '../instrumentation/semconv.ts';
import { ClickHouseSpanSink } from '../receiver/clickhouse-span-sink.ts';
import { insertFixture } from './support/audit-fixtures.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { harness } from './support/instrumentation-harness.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
const tmp = tempDir('flightrec-audit-content-');
let keys: ReturnType<typeof generateKeys>;
const CONTENT_KEY = randomBytes(32);
let n = 0;
const everything = () => ({ to: chTime(new Date(Date.now() + 60_000)) });
const FORMATS: { format: RecordFormat; jsonlEngine?: 'store' | 'process' }[] = [
  { format: 'jsonl', jsonlEngine: 'store' },
  { format: 'jsonl', jsonlEngine: 'process' },
  { format: 'csv' },
  { format: 'ocsf' },
];

beforeAll(async () => {
  t = await startTestServer();
  keys = generateKeys(join(tmp.path, 'keys'));
});
afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

async function exportBytes(session: string, f: (typeof FORMATS)[number], content: ContentMode = 'hashes'): Promise<Buffer> {
  const res = await runExport(t.http, {
    outDir: join(tmp.path, `export-${++n}`), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: CONTENT_KEY,
    filters: { ...everything(), session }, content, pageSize: 3, ...f,
  });
  return Buffer.concat(readdirSync(res.dir).map((name) => readFileSync(join(res.dir, name))));
}

const hmac = (v: string | Buffer): string => 'hmac-sha256:' + createHmac('sha256', CONTENT_KEY).update(v).digest('hex');

describe('every content key', () => {
  const keysUnderTest = [...CONTENT_KEYS, ...CONTENT_KEY_PREFIXES.map((p) => `${p}0.content`)];
  const secretOf = (i: number): string => `secret-text-${i}-${'x'.repeat(i % 3)}`;

  beforeAll(async () => {
    const [base] = (await insertFixture(t.server.client)).rows;
    await new ClickHouseSpanSink(t.server.client).write(keysUnderTest.map((k, i) => ({
      ...base!,
      SpanId: (i + 0x100).toString(16).padStart(16, '0'),
      SpanAttributes: { 'gen_ai.conversation.id': 'every-key', [k]: secretOf(i), 'not.content': 'plain-fact' },
    })));
  });

  it('the list holds what flightrec and the other instrumentations write content under', () => {
    for (const k of ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'input.value', 'output.value', 'llm.input_messages.0.message.content', 'gen_ai.prompt.0.content', 'ai.prompt.messages']) {
      expect(isContentKey(k), k).toBe(true);
    }
    for (const k of ['gen_ai.tool.name', 'flightrec.content.sha256', 'flightrec.target.resource', 'input.value.mime_type']) expect(isContentKey(k), k).toBe(false);
  });

  it.each(FORMATS)('hashes every one of them in $format ($jsonlEngine), and as-stored keeps them (the check can fail)', async (f) => {
    const hashed = (await exportBytes('every-key', f)).toString('latin1');
    keysUnderTest.forEach((k, i) => {
      expect(hashed, k).not.toContain(secretOf(i));
      expect(hashed, k).toContain(hmac(secretOf(i)));
    });
    expect(hashed).toContain('plain-fact');
    const stored = (await exportBytes('every-key', f, 'as-stored')).toString('latin1');
    keysUnderTest.forEach((_k, i) => expect(stored).toContain(secretOf(i)));
  });
});

describe('invalid UTF-8 content', () => {
  it('hashes the stored bytes, the same in every format', async () => {
    await t.server.client.command({
      query: `INSERT INTO otel.otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes)
        SELECT now64(9) - 5, '0af7651916cd43dd8448eb211c80319d', '9999999999999999', 'chat', 'svc',
          map('gen_ai.conversation.id', 'bad-utf8', 'gen_ai.input.messages', unhex('ff41fe42'))`,
    });
    const expected = hmac(Buffer.from('ff41fe42', 'hex'));
    for (const f of FORMATS) expect((await exportBytes('bad-utf8', f)).toString('latin1'), `${f.format} ${f.jsonlEngine ?? ''}`).toContain(expected);
  });
});

describe('every capture mode of the instrumentation', () => {
  const secret = (mode: CaptureMode, where: string): string => `confidential ${where} under ${mode} capture`;

  async function record(mode: CaptureMode): Promise<void> {
    const h = harness({ captureMode: mode, redaction: false, exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) });
    try {
      const { withAgent } = await import('../instrumentation/index.ts');
      await withAgent({ agentName: 'content-agent', conversationId: `capture-${mode}` }, async () => {
        const m = startModelCall({ provider: 'openai', model: 'm', inputMessages: [{ role: 'user', content: secret(mode, 'prompt') }], systemInstructions: secret(mode, 'system') });
        m.end({ outputMessages: [{ role: 'assistant', content: secret(mode, 'answer') }] });
        wrapTool((a: { q: string }) => `${secret(mode, 'tool result')} for ${a.q}`, { name: 'lookup' })({ q: secret(mode, 'tool argument') });
        recordInbound({ source: 'user_message', trust: 'trusted', content: secret(mode, 'inbound') });
        recordSeen({ source: 'memory', trust: 'trusted', content: secret(mode, 'memory') });
        startContextLoad({ source: 'retrieval', trust: 'untrusted' }).end({ content: secret(mode, 'retrieved') });
        startMessageSend({ channel: 'slack', content: secret(mode, 'sent message') }).end();
      });
    } finally {
      await h.provider.forceFlush();
      await h.shutdown();
    }
  }

  const WHERE = ['prompt', 'system', 'answer', 'tool result', 'tool argument', 'inbound', 'memory', 'retrieved', 'sent message'];

  it.each(CaptureModes.map((m) => [m]))('%s: the store holds what the mode allows; the default export none of it', async (mode) => {
    await record(mode);
    const session = `capture-${mode}`;
    let stored = '';
    for (let i = 0; i < 100; i++) {
      const r = await t.server.client.query({ query: `SELECT toString(groupArray(SpanAttributes)) AS a, count() AS n FROM otel.flightrec_spans WHERE SessionId = {s:String}`, query_params: { s: session }, format: 'JSONEachRow' });
      const [row] = await r.json<{ a: string; n: string }>();
      if (Number(row!.n) >= 7) { // agent, model call, tool, inbound, memory, retrieval, send
        stored = row!.a;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(stored).not.toBe('');
    // The check can fail: with capture on, the text is in the store.
    if (mode === 'full' || mode === 'redacted') for (const w of WHERE) expect(stored, w).toContain(secret(mode, w));
    for (const f of FORMATS) {
      const bytes = (await exportBytes(session, f)).toString('utf8');
      for (const w of WHERE) expect(bytes, `${mode} ${f.format} ${w}`).not.toContain(secret(mode, w));
    }
  });
});
