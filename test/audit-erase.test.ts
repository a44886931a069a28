/**
 * `flightrec erase` on an embedded data directory: afterwards the erased text is in no file of the
 * data directory — raw or decompressed, active part, replaced part, projection or detached — while
 * the same search finds it before (so the check can fail); other conversations keep theirs; exports
 * made before still verify; the erasure record is signed.
 */
import { randomBytes, verify as verifySignature } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type CanonicalValue } from '../audit/canonical-json.ts';
import { contentKeyPathIn, loadContentKey } from '../audit/content-key.ts';
import { generateKeys, loadPrivateKey, loadPublicKey } from '../audit/keys.ts';
import { runExport } from '../audit/run-export.ts';
import { verifyExport } from '../audit/verify-export.ts';
import { chTime } from '../cli/commands/export.ts';
import { main } from '../cli/main.ts';
import { migrate, openStore } from '../storage/store-client.ts';
import { insertFixture, SECRET_ARGS, SECRET_PROMPT } from './support/audit-fixtures.ts';
import { decompressedBlocks, filesHolding } from './support/clickhouse-files.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-erase-');
const dataDir = join(tmp.path, 'data');
let keys: ReturnType<typeof generateKeys>;
let exportDir: string;
/** Texts only conversation sess-1 holds: content, a target, an approver, an actor-free prompt. */
const ERASED = ['merger closes friday', '4111 1111 1111 1111', 'mailto:ceo@example.com', 'alice@example.com', 'user-7'];

beforeAll(async () => {
  keys = generateKeys(join(tmp.path, 'keys'));
  const client = await openStore({ kind: 'embedded', path: dataDir });
  try {
    await migrate(client);
    await insertFixture(client);
    await insertFixture(client, BigInt(Date.now() - 900_000) * 1_000_000n); // a second part
    exportDir = (await runExport(client, {
      outDir: join(tmp.path, 'before'), privateKey: loadPrivateKey(keys.privateKeyPath), contentKey: loadContentKey(contentKeyPathIn(dataDir), { create: true }),
      filters: { to: chTime(new Date(Date.now() + 60_000)) },
    })).dir;
  } finally {
    await client.close();
  }
}, 60_000);
afterAll(() => tmp.cleanup());

describe('the decompressing scan', () => {
  it('decodes ClickHouse blocks: a text stored compressed is found only after decompression', () => {
    const files = filesHolding(dataDir, 'merger closes friday');
    expect(files.length).toBeGreaterThan(0);
    // At least one of them holds it only compressed: a plain grep would have missed it.
    expect(files.some((f) => !readFileSync(f).includes(Buffer.from('merger closes friday')) && decompressedBlocks(readFileSync(f)).length > 0)).toBe(true);
  });
});

describe('flightrec erase', () => {
  it('needs a store (a data directory, or --url with a content key), one selector and an output', async () => {
    const out = join(tmp.path, 'x.json');
    expect(await main(['erase', '--session', 'sess-1', '--key', keys.privateKeyPath, '--out', out])).toBe(2);
    expect(await main(['erase', '--session', 'sess-1', '--actor', 'a', '--data-dir', dataDir, '--key', keys.privateKeyPath, '--out', out])).toBe(2);
    expect(await main(['erase', '--session', 'sess-1', '--url', 'http://127.0.0.1:1', '--key', keys.privateKeyPath, '--out', out])).toBe(2);
  });

  it('by actor: every span of their conversations, content and personal data, gone from every file', async () => {
    for (const text of ERASED) expect(filesHolding(dataDir, text), text).not.toEqual([]);
    expect(filesHolding(dataDir, 'gateway timeout')).not.toEqual([]); // sess-2 (billing-agent), kept
    const out = join(tmp.path, 'erasure.json');
    // user-7 is the actor of one span of sess-1; the chat span with the card number names no actor.
    expect(await main(['erase', '--actor', 'user-7', '--data-dir', dataDir, '--key', keys.privateKeyPath, '--out', out])).toBe(0);
    for (const text of ERASED) expect(filesHolding(dataDir, text).map((f) => f.slice(dataDir.length)), text).toEqual([]);
    expect(filesHolding(dataDir, SECRET_ARGS.slice(10, 30))).toEqual([]);
    expect(filesHolding(dataDir, SECRET_PROMPT.slice(30, 50))).toEqual([]);
    expect(filesHolding(dataDir, 'gateway timeout')).not.toEqual([]);

    const { record, signature } = JSON.parse(readFileSync(out, 'utf8'));
    expect(record).toMatchObject({ format: 'flightrec-erasure', selector: { kind: 'actor' }, sessions: 1, spans: 6, signer: { public_key_fingerprint: keys.fingerprint } });
    expect(JSON.stringify(record)).not.toContain('user-7');
    expect(verifySignature(null, Buffer.from(canonicalJson(record as CanonicalValue)), loadPublicKey(keys.publicKeyPath), Buffer.from(signature, 'base64'))).toBe(true);

    // The spans stay (what happened is still on record), without their content.
    const client = await openStore({ kind: 'embedded', path: dataDir });
    try {
      const rows = await (await client.query({ query: "SELECT SpanAttributes, FrActor, FrTargetResource FROM otel.otel_traces WHERE FrSessionId = 'sess-1'", format: 'JSONEachRow' })).json<{ SpanAttributes: Record<string, string>; FrActor: string; FrTargetResource: string }>();
      expect(rows).toHaveLength(6);
      for (const r of rows) {
        expect(Object.keys(r.SpanAttributes).filter((k) => k.startsWith('gen_ai.input') || k.startsWith('gen_ai.tool.call'))).toEqual([]);
        if (r.FrActor) expect(r.FrActor).toBe('[erased]');
        if (r.FrTargetResource) expect(r.FrTargetResource).toBe('[erased]');
      }
      const parts = await (await client.query({ query: "SELECT count() AS n FROM system.parts WHERE database = 'otel' AND table = 'otel_traces' AND NOT active", format: 'JSONEachRow' })).json<{ n: string }>();
      expect(Number(parts[0]!.n)).toBe(0);
    } finally {
      await client.close();
    }

    // The export made before still verifies: its records commit to hashes, not to the text.
    expect((await verifyExport(exportDir, { publicKey: loadPublicKey(keys.publicKeyPath) })).ok).toBe(true);
  }, 60_000);
});
