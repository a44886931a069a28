/**
 * `flightrec erase`: removes a conversation's content (every content key of the one list,
 * instrumentation/content-keys.ts) and blanks its personal-data keys (actor, target resource,
 * recipients, source URI, approver) in the embedded store's data directory, so the text is gone
 * from the files on disk — not only from query results — and writes a signed erasure record.
 *
 * How the text leaves the disk:
 * 1. An ALTER TABLE … UPDATE mutation, waited for (`mutations_sync = 2`), rewrites every part
 *    holding an erased row, MATERIALIZED columns computed from the attributes (FrActor,
 *    FrTargetResource, …) included; the `flightrec_by_session` projection, which the mutation
 *    leaves as it was, is then rebuilt in those partitions (CLEAR PROJECTION, then MATERIALIZE PROJECTION).
 *    The rows are chosen by a subquery over a Memory table holding the session ids, so the
 *    mutation's text (kept on disk as `mutation_N.txt`) names no session or actor.
 * 2. The parts the mutation replaced stay on disk as inactive parts until a cleanup thread removes
 *    them (minutes later, or never in a short-lived process): DETACH TABLE … SYNC and ATTACH TABLE
 *    drop them at once (the table loads only its active parts and deletes the covered ones), and
 *    detached parts are dropped.
 * Exports already made are files: they are not touched and still verify.
 *
 * Only on a data directory this process opens itself (never through the query port).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createHmac, type KeyObject } from 'node:crypto';
import { PERSONAL_KEYS } from '../instrumentation/content-keys.ts';
import { Flightrec } from '../instrumentation/semconv.ts';
import { SESSION_PROJECTION } from '../storage/derived-columns.ts';
import { DEFAULT_DATABASE, Tables, quoteIdent } from '../storage/tables.ts';
import { canonicalJson, type CanonicalValue } from './canonical-json.ts';
import { contentKeyId } from './content-key.ts';
import { isContentKeySql, sqlLiteral } from './content-sql.ts';
import { fingerprint, publicKeyOf, signBytes } from './keys.ts';

export type EraseSelector = { session: string } | { actor: string };

export const ERASED_VALUE = '[erased]';

export interface ErasureRecord {
  format: 'flightrec-erasure';
  version: 1;
  erased_at: string;
  /** HMAC-SHA256 under the store's content-hash key of "session:<id>" or "actor:<id>": names the subject without holding it. */
  selector: { kind: 'session' | 'actor'; hmac_sha256: string };
  content_key_id: string;
  sessions: number;
  spans: number;
  /** What was done to the matching spans. */
  removed_keys: 'every content key (instrumentation/content-keys.ts)';
  blanked_keys: string[];
  tables: string[];
  signer: { algorithm: 'ed25519'; public_key_fingerprint: string };
}

export interface EraseResult {
  record: ErasureRecord;
  /** Canonical JSON of the record and the base64 Ed25519 signature over exactly those bytes. */
  bytes: Buffer;
  signature: string;
}

const TARGETS = 'flightrec_erase_targets';

/** SpanAttributes-shaped map expression with content keys removed and personal values blanked. */
function erasedMap(column: string): string {
  const personal = `[${PERSONAL_KEYS.map(sqlLiteral).join(', ')}]`;
  return `mapApply((k, v) -> (k, if(has(${personal}, k), ${sqlLiteral(ERASED_VALUE)}, v)), mapFilter((k, v) -> NOT ${isContentKeySql('k')}, ${column}))`;
}

export class EraseError extends Error {}

/**
 * Removes the parts a mutation replaced, now: with `old_parts_lifetime = 0` the table, detached and
 * attached again, deletes covered parts as it loads (a running cleanup thread would take minutes,
 * and a short-lived process may never run it). Waits until system.parts lists none, or fails.
 */
async function mutateDroppingReplaced(client: ClickHouseClient, db: string, traces: string, mutate: () => Promise<void>): Promise<void> {
  // Short cleanup periods too: covered parts are removed by the cleanup task the attach schedules.
  await client.command({ query: `ALTER TABLE ${traces} MODIFY SETTING old_parts_lifetime = 0, cleanup_delay_period = 1, cleanup_delay_period_random_add = 0` });
  try {
    await mutate();
    await client.command({ query: `DETACH TABLE ${traces} SYNC` });
    await client.command({ query: `ATTACH TABLE ${traces}` });
    await client.command({ query: `ALTER TABLE ${traces} DROP DETACHED PARTITION ALL`, clickhouse_settings: { allow_drop_detached: 1 } });
    for (let waited = 0; ; waited += 100) {
      const [row] = await (await client.query({
        query: `SELECT count() AS n FROM system.parts WHERE database = {db:String} AND table = {t:String} AND NOT active`,
        query_params: { db: db.replace(/^`|`$/g, ''), t: Tables.traces },
        format: 'JSONEachRow',
      })).json<{ n: string | number }>();
      if (Number(row?.n ?? 0) === 0) break;
      if (waited > 30_000) throw new EraseError(`${row!.n} replaced part(s) of ${traces} are still on disk; the erased text may be in them`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.command({ query: `ALTER TABLE ${traces} RESET SETTING old_parts_lifetime, cleanup_delay_period, cleanup_delay_period_random_add` });
  }
}

export async function eraseSubject(client: ClickHouseClient, selector: EraseSelector, opts: { privateKey: KeyObject; contentKey: Buffer; database?: string; now?: () => Date }): Promise<EraseResult> {
  const db = quoteIdent(opts.database ?? DEFAULT_DATABASE);
  const traces = `${db}.${quoteIdent(Tables.traces)}`;
  const targets = `${db}.${quoteIdent(TARGETS)}`;
  const kind = 'session' in selector ? 'session' : 'actor';
  const value = 'session' in selector ? selector.session : selector.actor;
  await client.command({ query: `DROP TABLE IF EXISTS ${targets} SYNC` });
  await client.command({ query: `CREATE TABLE ${targets} (s String) ENGINE = Memory` });
  try {
    // An actor's sessions: every span of a conversation they took part in, not only the spans naming them.
    const pick = kind === 'session'
      ? `SELECT {v:String}`
      : `SELECT DISTINCT FrSessionId FROM ${traces} WHERE FrActor = {v:String} OR SpanAttributes[${sqlLiteral(Flightrec.actor)}] = {v:String}`;
    await client.command({ query: `INSERT INTO ${targets} ${pick}`, query_params: { v: value } });
    const where = `FrSessionId IN (SELECT s FROM ${targets})`;
    const [counted] = await (await client.query({ query: `SELECT uniqExact(FrSessionId) AS sessions, count() AS spans FROM ${traces} WHERE ${where}`, format: 'JSONEachRow' })).json<{ sessions: string | number; spans: string | number }>();
    const spans = Number(counted?.spans ?? 0);
    if (spans > 0) {
      const partitions = (await (await client.query({ query: `SELECT DISTINCT _partition_id AS p FROM ${traces} WHERE ${where}`, format: 'JSONEachRow' })).json<{ p: string }>()).map((r) => r.p);
      await mutateDroppingReplaced(client, db, traces, async () => {
        await client.command({
          query: `ALTER TABLE ${traces} UPDATE SpanAttributes = ${erasedMap('SpanAttributes')}, \`Events.Attributes\` = arrayMap(m -> ${erasedMap('m')}, \`Events.Attributes\`) WHERE ${where}`,
          clickhouse_settings: { mutations_sync: '2', allow_nondeterministic_mutations: 1 },
        });
        // The mutation recomputes the part's MATERIALIZED columns but keeps its projection as it
        // was (personal values in FrActor, FrTargetResource…): rebuild it where rows were erased.
        for (const p of partitions) {
          // MATERIALIZE alone keeps a projection a part already has: clear it first.
          await client.command({ query: `ALTER TABLE ${traces} CLEAR PROJECTION ${quoteIdent(SESSION_PROJECTION)} IN PARTITION ID {p:String}`, query_params: { p }, clickhouse_settings: { mutations_sync: '2' } });
          await client.command({ query: `ALTER TABLE ${traces} MATERIALIZE PROJECTION ${quoteIdent(SESSION_PROJECTION)} IN PARTITION ID {p:String}`, query_params: { p }, clickhouse_settings: { mutations_sync: '2' } });
        }
      });
    }
    const publicKey = publicKeyOf(opts.privateKey);
    const record: ErasureRecord = {
      format: 'flightrec-erasure',
      version: 1,
      erased_at: (opts.now?.() ?? new Date()).toISOString(),
      selector: { kind, hmac_sha256: createHmac('sha256', opts.contentKey).update(`${kind}:${value}`).digest('hex') },
      content_key_id: contentKeyId(opts.contentKey),
      sessions: Number(counted?.sessions ?? 0),
      spans,
      removed_keys: 'every content key (instrumentation/content-keys.ts)',
      blanked_keys: [...PERSONAL_KEYS],
      tables: [Tables.traces],
      signer: { algorithm: 'ed25519', public_key_fingerprint: fingerprint(publicKey) },
    };
    const bytes = Buffer.from(canonicalJson(record as unknown as CanonicalValue));
    return { record, bytes, signature: signBytes(opts.privateKey, bytes).toString('base64') };
  } finally {
    await client.command({ query: `DROP TABLE IF EXISTS ${targets} SYNC` });
  }
}
