/**
 * SQL for the export's content policy: which attribute keys hold content (the one list,
 * instrumentation/content-keys.ts) and their keyed hashes, computed by the store on the stored
 * bytes — so every record format hashes the same bytes, invalid UTF-8 included (a value parsed into
 * JavaScript first would have had its invalid bytes replaced by U+FFFD before hashing).
 */
import { CONTENT_KEY_PREFIXES, CONTENT_KEYS } from '../instrumentation/content-keys.ts';
import { CONTENT_HASH_TAG, hmacPads } from './content-key.ts';
import { quoteString } from '../storage/tables.ts';

/** SQL string literal for our own constant strings (attribute keys, field names). */
export function sqlLiteral(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`unexpected character in SQL constant ${JSON.stringify(s)}`);
  return quoteString(s);
}

/** True in SQL when the attribute key `k` (a lambda variable) is a content key. */
export function isContentKeySql(k: string): string {
  const exact = `has([${CONTENT_KEYS.map(sqlLiteral).join(', ')}], ${k})`;
  return `(${[exact, ...CONTENT_KEY_PREFIXES.map((p) => `startsWith(${k}, ${sqlLiteral(p)})`)].join(' OR ')})`;
}

/** HMAC-SHA256 of `v` under the content key, from the pads bound as parameters (content-key.ts hmacPads). */
function hmacSql(v: string): string {
  return `concat(${sqlLiteral(CONTENT_HASH_TAG)}, lower(hex(SHA256(concat(unhex({content_opad:String}), SHA256(concat(unhex({content_ipad:String}), ${v})))))))`;
}

/** SpanAttributes with every content value replaced by its keyed hash. */
export const HASHED_ATTRIBUTES_SQL = `mapApply((k, v) -> (k, if(${isContentKeySql('k')}, ${hmacSql('v')}, v)), SpanAttributes)`;

/** JSON array of the content keys present, sorted (the record's `redaction.hashed`). */
export const HASHED_KEYS_JSON_SQL = `toJSONString(arraySort(arrayFilter(k -> ${isContentKeySql('k')}, mapKeys(SpanAttributes))))`;

/** The query parameters HASHED_ATTRIBUTES_SQL and HASHED_KEYS_JSON_SQL need. */
export function contentHashParams(key: Buffer): { content_ipad: string; content_opad: string } {
  const { ipad, opad } = hmacPads(key);
  return { content_ipad: ipad, content_opad: opad };
}
