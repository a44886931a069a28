/**
 * The per-store key of the export's content hashes. With `--content hashes` each content value is
 * replaced by HMAC-SHA256(key, stored value bytes), not a bare SHA-256: without the key nobody can
 * confirm a guessed text (a yes/no answer, a card number) from an export, and destroying every copy
 * of the key makes the hashes in all exports unlinkable to any text for good (crypto-shredding of
 * the commitments; the text in the store is erased separately, by `flightrec erase` or the TTL).
 *
 * The key is 32 random bytes, kept as hex in a 0600 file — by default `audit-content.key` in the
 * store's data directory, created on first use — or given by path.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONTENT_KEY_FILE = 'audit-content.key';
export const CONTENT_HASH_ALGORITHM = 'hmac-sha256';
/** Prefix of a hashed content value in a record. */
export const CONTENT_HASH_TAG = `${CONTENT_HASH_ALGORITHM}:`;
const KEY_BYTES = 32;
/** SHA-256's block size: HMAC pads the key to it. */
const BLOCK_BYTES = 64;

export class ContentKeyError extends Error {}

export function contentKeyPathIn(dataDir: string): string {
  return join(dataDir, CONTENT_KEY_FILE);
}

/** Reads the key; with `create`, makes a new one first if the file does not exist (never overwrites). */
export function loadContentKey(path: string, opts: { create?: boolean } = {}): Buffer {
  if (!existsSync(path)) {
    if (!opts.create) throw new ContentKeyError(`the content-hash key ${path} does not exist`);
    writeFileSync(path, randomBytes(KEY_BYTES).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  if (!statSync(path).isFile()) throw new ContentKeyError(`the content-hash key ${path} is not a file`);
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new ContentKeyError(`${path} is not a content-hash key (64 hex digits expected)`);
  return Buffer.from(text, 'hex');
}

/** Names the key in a manifest without revealing it: HMAC of a fixed label under the key. */
export function contentKeyId(key: Buffer): string {
  return 'hmac-sha256:' + createHmac('sha256', key).update('flightrec content-hash key id').digest('hex').slice(0, 32);
}

/** What a record holds in place of a content value. */
export function contentHash(key: Buffer, value: string | Uint8Array): string {
  return CONTENT_HASH_TAG + createHmac('sha256', key).update(value).digest('hex');
}

/**
 * The key XOR HMAC's inner and outer pads, as hex: the store computes
 * SHA256(opad ‖ SHA256(ipad ‖ value)) = HMAC-SHA256(key, value) from them (ClickHouse has no HMAC).
 * They are as secret as the key.
 */
export function hmacPads(key: Buffer): { ipad: string; opad: string } {
  if (key.length > BLOCK_BYTES) throw new ContentKeyError('content-hash keys are at most 64 bytes');
  const ipad = Buffer.alloc(BLOCK_BYTES, 0x36);
  const opad = Buffer.alloc(BLOCK_BYTES, 0x5c);
  for (let i = 0; i < key.length; i++) {
    ipad[i]! ^= key[i]!;
    opad[i]! ^= key[i]!;
  }
  return { ipad: ipad.toString('hex'), opad: opad.toString('hex') };
}
