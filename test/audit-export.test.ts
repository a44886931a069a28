/**
 * Audit export round trip on seeded data: export from the embedded server's ClickHouse HTTP
 * interface (as a separate process would), verify offline, and check what each record carries,
 * the filters, the content policy, the three formats, chaining, keys and the CLI's exit codes.
 */
import { createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../audit/audit-record.ts';
import { canonicalJson } from '../audit/canonical-json.ts';
import { generateKeys, loadPrivateKey, loadPublicKey } from '../audit/keys.ts';
import type { Manifest } from '../audit/manifest.ts';
import { runExport, type ExportOptions } from '../audit/run-export.ts';
import { verifyExport } from '../audit/verify-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { main } from '../cli/main.ts';
import { ClickHouseSpanSink } from '../receiver/clickhouse-span-sink.ts';
import { insertFixture, SECRET_ARGS, SECRET_PROMPT, type Fixture } from './support/audit-fixtures.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
let fx: Fixture;
const tmp = tempDir('flightrec-audit-');
let keys: ReturnType<typeof generateKeys>;
let n = 0;
const out = (): string => join(tmp.path, `export-${++n}`);
const CONTENT_KEY = randomBytes(32);
const everything = { to: chTime(new Date(Date.now() + 60_000)) };

beforeAll(async () => {
  t = await startTestServer();
  fx = await insertFixture(t.server.client);
  keys = generateKeys(join(tmp.path, 'keys'));
});
afterAll(async () => {
  await t?.stop();
  tmp.cleanup();
});

/** Through the HTTP interface, every page over the socket (unless `serverFiles` says otherwise). */
async function exportTo(opts: Partial<ExportOptions> = {}) {
  return runExport(t.http, { outDir: out(), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: CONTENT_KEY, filters: everything, pageSize: 1, chunkRecords: 2, serverFiles: 'never', ...opts });
}

function jsonRecords(dir: string): AuditRecord[] {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  return m.files.flatMap((f) => readFileSync(join(dir, f.name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord));
}

function allBytes(dir: string): string {
  return readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
}

describe('audit export round trip', () => {
  it('exports every row (duplicates included, across one-row pages), and the export verifies', async () => {
    const res = await exportTo();
    expect(res.records).toBe(fx.rows.length);
    expect(res.files).toBe(2);
    const report = await verifyExport(res.dir, { publicKey: loadPublicKey(keys.publicKeyPath) });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toBe(4);
    expect(report.root).toBe(res.root);
  });

  it('carries what an auditor needs without the database, in time order, as canonical JSON', async () => {
    const res = await exportTo();
    const records = jsonRecords(res.dir);
    // Every line is the RFC 8785 form of itself: re-serialising a parsed record gives the same bytes.
    for (const f of res.manifest.files) {
      for (const line of readFileSync(join(res.dir, f.name), 'utf8').split('\n').filter(Boolean)) expect(canonicalJson(JSON.parse(line))).toBe(line);
    }
    expect(records.map((r) => r.span_id)).toEqual(['2222222222222222', '1111111111111111', '1111111111111111', '3333333333333333']);
    const send = records[1]!;
    expect(send).toMatchObject({
      v: 1,
      session: 'sess-1',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: '1111111111111111',
      parent_span_id: '2222222222222222',
      record: 'touched',
      agent: 'mail-agent',
      actor: 'user-7',
      tool: 'send_email',
      effect: 'send',
      target_system: 'smtp',
      target_resource: 'mailto:ceo@example.com',
      risk: 'high',
      verdict: 'require_approval',
      policy_rule: 'external-recipient',
      approval_status: 'approved',
      approver: 'alice@example.com',
      outcome: 'ok',
      is_error: false,
      arguments_sha256: 'abc123',
      duration_ns: '2500000',
    });
    expect(Date.parse(send.time)).toBe(Number((fx.start + 1_000_000n) / 1_000_000n));
    expect(send.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const failed = records[3]!;
    expect(failed).toMatchObject({ agent: 'billing-agent', is_error: true, outcome: 'error', error_type: 'TimeoutError', status_message: 'gateway timeout', effect: 'payment', risk: 'critical' });
  });

  it('marks removed and hashed content, so absent can be told from removed; content never leaves as-is with --content hashes', async () => {
    const res = await exportTo({ content: 'hashes' });
    const [chat, send] = jsonRecords(res.dir);
    expect(send!.redaction).toEqual({ content: 'hashes', removed: ['gen_ai.tool.call.result'], hashed: ['gen_ai.tool.call.arguments'] });
    expect(send!.attributes['gen_ai.tool.call.arguments']).toBe('hmac-sha256:' + createHmac('sha256', CONTENT_KEY).update(SECRET_ARGS).digest('hex'));
    expect(chat!.redaction).toEqual({ content: 'hashes', removed: [], hashed: ['gen_ai.input.messages'] });
    const bytes = allBytes(res.dir);
    expect(bytes).not.toContain('merger closes friday');
    expect(bytes).not.toContain('4111 1111');

    const stored = await exportTo({ content: 'as-stored' });
    const [chat2, send2] = jsonRecords(stored.dir);
    expect(send2!.attributes['gen_ai.tool.call.arguments']).toBe(SECRET_ARGS);
    expect(chat2!.attributes['gen_ai.input.messages']).toBe(SECRET_PROMPT);
    expect(send2!.redaction).toEqual({ content: 'as-stored', removed: ['gen_ai.tool.call.result'], hashed: [] });
  });

  it('selects by session, agent, record kind, effect, risk and time range, with bound parameters', async () => {
    const count = async (filters: Partial<ExportOptions['filters']>) => (await exportTo({ filters: { ...everything, ...filters } })).records;
    expect(await count({ session: 'sess-1' })).toBe(3);
    expect(await count({ session: "sess-1' OR 1=1 --" })).toBe(0);
    expect(await count({ agent: 'billing-agent' })).toBe(1);
    expect(await count({ record: ['saw'] })).toBe(1);
    expect(await count({ record: ['saw', 'touched'] })).toBe(4);
    expect(await count({ effect: ['send'] })).toBe(2);
    expect(await count({ risk: ['critical'] })).toBe(1);
    const ms = Number(fx.start / 1_000_000n);
    expect(await count({ from: chTime(new Date(ms + 1)), to: chTime(new Date(ms + 2)) })).toBe(2);
    expect(await count({ from: chTime(new Date(ms + 1)) })).toBe(3);
    const res = await exportTo({ filters: { ...everything, session: 'sess-1' }, filterFlags: { session: 'sess-1' } });
    const m = res.manifest;
    expect(m.query.sql).toContain('SessionId = {session:String}');
    expect(m.query.sql).not.toContain('sess-1');
    expect(m.query.params.session).toBe('sess-1');
    expect(m.query.filters).toEqual({ session: 'sess-1' });
    expect(m.time_range.to).toBe(everything.to);
  });

  it('writes CSV and OCSF API Activity (class 6003) records that verify the same way', async () => {
    const pub = loadPublicKey(keys.publicKeyPath);
    const csv = await exportTo({ format: 'csv', content: 'as-stored' });
    expect((await verifyExport(csv.dir, { publicKey: pub })).ok).toBe(true);
    const csvText = readFileSync(join(csv.dir, 'records-000001.csv'), 'utf8');
    expect(csvText.split('\n')[0]).toMatch(/^v,time,session,trace_id,span_id,parent_span_id,/);
    expect(csvText).toContain('""flightrec.policy.rule"":""external-recipient""'); // attributes as JSON in a quoted, quote-doubled cell

    const ocsf = await exportTo({ format: 'ocsf' });
    expect((await verifyExport(ocsf.dir, { publicKey: pub })).ok).toBe(true);
    const events = readFileSync(join(ocsf.dir, 'records-000001.ocsf.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const send = events[1];
    expect(send).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 1,
      type_uid: 600301,
      severity_id: 4,
      status_id: 1,
      metadata: { version: '1.8.0', product: { name: 'flightrec' } },
      actor: { app_name: 'mail-agent', user: { name: 'user-7' }, authorizations: [{ decision: 'require_approval', policy: { name: 'external-recipient' } }] },
      api: { operation: 'send_email', service: { name: 'smtp' } },
      resources: [{ name: 'mailto:ceo@example.com', type: 'smtp' }],
      src_endpoint: { svc_name: 'mail-agent' },
    });
    expect(typeof send.time).toBe('number');
    expect(send.unmapped.flightrec.approver).toBe('alice@example.com');
  });

  it('never writes the private key into an export; the key file is 0600', async () => {
    expect(statSync(keys.privateKeyPath).mode & 0o777).toBe(0o600);
    const res = await exportTo();
    const der = createPrivateKey(readFileSync(keys.privateKeyPath)).export({ type: 'pkcs8', format: 'der' });
    const bytes = allBytes(res.dir);
    expect(bytes).not.toContain('PRIVATE KEY');
    expect(bytes).not.toContain(der.toString('base64'));
    expect(bytes).not.toContain(der.subarray(-32).toString('latin1'));
    expect(res.manifest.signer.public_key_fingerprint).toBe(keys.fingerprint);
  });

  it('chains exports: the next manifest signs the previous root, and verify checks the link', async () => {
    const pub = loadPublicKey(keys.publicKeyPath);
    const ms = Number(fx.start / 1_000_000n);
    const first = await exportTo({ filters: { to: chTime(new Date(ms + 1)) } });
    const second = await exportTo({ filters: { from: chTime(new Date(ms + 1)), to: everything.to }, previous: join(first.dir, 'manifest.json') });
    expect(first.records + second.records).toBe(4);
    expect(second.manifest.previous).toMatchObject({ root: first.root, tree_size: first.records, time_to: first.manifest.time_range.to });
    expect((await verifyExport(second.dir, { publicKey: pub, previousDir: first.dir })).ok).toBe(true);

    // A different "previous" export is not the one chained to.
    const other = await exportTo({ filters: { to: chTime(new Date(ms + 1)) } });
    const wrong = await verifyExport(second.dir, { publicKey: pub, previousDir: other.dir });
    expect(wrong.ok).toBe(false);
    expect(wrong.problems.map((p) => p.kind)).toEqual(['chain']);
    // An unchained export given --previous says so.
    const unchained = await verifyExport(first.dir, { publicKey: pub, previousDir: other.dir });
    expect(unchained.problems.map((p) => p.message)).toEqual([expect.stringMatching(/not chained/)]);
  });
});

describe('audit CLI', () => {
  it('keys → export → verify → prove → verify-proof, with exit codes 0, 1 and 2', async () => {
    const keyDir = join(tmp.path, 'cli-keys');
    expect(await main(['keys', '--out', keyDir])).toBe(0);
    expect(await main(['keys', '--out', keyDir])).toBe(2); // never overwrites a key
    const priv = join(keyDir, 'flightrec-audit.key.pem');
    const pub = join(keyDir, 'flightrec-audit.pub.pem');
    const dir = out();
    const contentKey = join(keyDir, 'audit-content.key');
    expect(await main(['keys', '--content-key', contentKey])).toBe(0);
    expect(statSync(contentKey).mode & 0o777).toBe(0o600);
    expect(await main(['keys', '--content-key', contentKey])).toBe(2); // never overwrites a key
    expect(await main(['export', '--out', out(), '--key', priv, '--data-dir', join(tmp.path, 'no-such-store')])).toBe(2); // no content-hash key to be found
    expect(await main(['export', '--out', dir, '--key', priv, '--url', t.server.queryUrl, '--content-key', contentKey, '--since', '1h', '--session', 'sess-1'])).toBe(0);
    expect(jsonRecords(dir).find((r) => r.span_id === '1111111111111111')!.attributes['gen_ai.tool.call.arguments']).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(jsonRecords(dir)).toHaveLength(3);
    expect(await main(['export', '--out', dir, '--key', priv, '--url', t.server.queryUrl, '--content-key', contentKey])).toBe(2); // not empty
    expect(await main(['export', '--out', out(), '--key', pub, '--url', t.server.queryUrl])).toBe(2); // a public key cannot sign
    expect(await main(['export', '--out', out(), '--key', priv, '--risk', 'extreme', '--url', t.server.queryUrl])).toBe(2);
    expect(await main(['export', '--out', out(), '--key', priv, '--since', 'yesterday', '--url', t.server.queryUrl])).toBe(2);
    expect(await main(['verify', dir, '--key', pub])).toBe(0);
    expect(await main(['verify', dir, '--key', keys.publicKeyPath])).toBe(1); // someone else's key
    expect(await main(['verify', dir])).toBe(2);
    expect(await main(['verify', join(tmp.path, 'nope'), '--key', pub])).toBe(1);
    const proof = join(tmp.path, 'cli-proof.json');
    expect(await main(['prove', dir, '--record', 'records-000001.jsonl:2', '--out', proof])).toBe(0);
    expect(await main(['verify-proof', proof, '--key', pub])).toBe(0);
    const p = JSON.parse(readFileSync(proof, 'utf8'));
    p.record = p.record.replace('user-7', 'user-8');
    writeFileSync(proof, JSON.stringify(p));
    expect(await main(['verify-proof', proof, '--key', pub])).toBe(1);
    expect(await main(['prove', dir, '--record', 'records-000001.jsonl:99'])).toBe(2);
  });
});

describe('JSON Lines formatted by the store', () => {
  it('gives byte-for-byte the records this process would write, tricky characters included (runs last: adds rows)', async () => {
    const tricky = {
      ...fx.rows[0]!,
      SpanId: '4444444444444444',
      StatusMessage: 'ctrl \u0001\u001f tab\t nl\n bs\\ q" slash/ \\u0041 del\u007f ls\u2028 é 😀',
      SpanAttributes: { 'gen_ai.conversation.id': 'sess-3', 'clé.é': 'v', 'z😀': '😀', 'gen_ai.output.messages': 'secret\u2029', 'flightrec.redacted_keys': ' b, a ,,a' },
    };
    // All printable ASCII, so the store's line is kept as ClickHouse wrote it: ClickHouse's JSON
    // escapes '/' by default (`\/`), RFC 8785 does not.
    const slashes = { ...fx.rows[0]!, SpanId: '6666666666666666', StatusMessage: 'GET https://example.com/a/b </script>', SpanAttributes: { 'gen_ai.conversation.id': 'sess-4', 'url.full': 'https://example.com/x?y=/z', 'a/b': 'c/d' } };
    await new ClickHouseSpanSink(t.server.client).write([tricky, { ...tricky, SpanId: '5555555555555555', SpanAttributes: {} }, slashes]);
    for (const content of ['hashes', 'as-stored'] as const) {
      const viaStore = await exportTo({ content, jsonlEngine: 'store', pageSize: 2 });
      const viaProcess = await exportTo({ content, jsonlEngine: 'process', pageSize: 2 });
      expect(viaStore.records).toBe(7);
      expect(jsonRecords(viaStore.dir).some((r) => r.status_message === slashes.StatusMessage)).toBe(true);
      expect(viaStore.root).toBe(viaProcess.root);
      for (const f of viaStore.manifest.files) expect(readFileSync(join(viaStore.dir, f.name), 'utf8')).toBe(readFileSync(join(viaProcess.dir, f.name), 'utf8'));
    }
    const rec = jsonRecords((await exportTo({ filters: { ...everything, session: 'sess-3' } })).dir)[0]!;
    expect(rec.redaction).toEqual({ content: 'hashes', removed: ['a', 'b'], hashed: ['gen_ai.output.messages'] });
    expect(rec.status_message).toBe(tricky.StatusMessage);
  });

  it('with the store in this process, or a server on this host, the store writes each chunk file itself: the same records and root as through the HTTP interface, a file with a record to rewrite included', async () => {
    const pub = loadPublicKey(keys.publicKeyPath);
    // A quote and a backslash in the path: it is spliced into the SQL as a string literal.
    const dir = join(tmp.path, "direct it's \\ here");
    const concat = (d: string, m: Manifest): string => m.files.map((f) => readFileSync(join(d, f.name), 'latin1')).join('');
    for (const content of ['hashes', 'as-stored'] as const) {
      const direct = await runExport(t.server.client, { outDir: `${dir}-${content}`, privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: CONTENT_KEY, filters: everything, content, chunkRecords: 2, pageSize: 50 });
      const viaHttp = await exportTo({ content, jsonlEngine: 'store', pageSize: 2 });
      // Through the server on this host, which writes each page into a result file this process takes.
      const viaServerFiles = await exportTo({ content, jsonlEngine: 'store', pageSize: 50, serverFiles: 'auto' });
      expect(direct.records).toBe(viaHttp.records);
      expect(direct.root).toBe(viaHttp.root);
      expect(concat(direct.dir, direct.manifest)).toBe(concat(viaHttp.dir, viaHttp.manifest));
      expect(viaServerFiles.root).toBe(direct.root);
      expect(viaServerFiles.manifest.files).toEqual(direct.manifest.files);
      expect(viaServerFiles.manifest.query.pagination).toMatch(/^pages of 2 rows/);
      expect(readdirSync(viaServerFiles.dir).filter((f) => !/^records-\d{6}\.(jsonl|leaves)$/.test(f)).sort()).toEqual(['manifest.json', 'manifest.sig']);
      // The rows the test before added: bytes outside ASCII, so their page was rewritten record by record.
      expect(concat(direct.dir, direct.manifest)).toMatch(/[\x80-\xff]/);
      // A page is a chunk (pages of --chunk-records rows, whatever the page size asked): spans stored twice stay in one file.
      expect(direct.manifest.query.pagination).toMatch(/^pages of 2 rows/);
      expect(direct.manifest.files.every((f) => f.records >= 1 && f.records <= 3)).toBe(true);
      expect(direct.manifest.files.map((f) => f.name)).toEqual(direct.manifest.files.map((_, i) => `records-${String(i + 1).padStart(6, '0')}.jsonl`));
      // Nothing left over from the store's writes: the chunk files, their leaves and the signed manifest.
      expect(readdirSync(direct.dir).filter((f) => !/^records-\d{6}\.(jsonl|leaves)$/.test(f)).sort()).toEqual(['manifest.json', 'manifest.sig']);
      expect((await verifyExport(direct.dir, { publicKey: pub })).ok).toBe(true);
    }
  });
});
