/**
 * `flightrec erase`: removes a conversation's content (every content key of the one list,
 * instrumentation/content-keys.ts) and blanks its personal-data keys (actor, target resource,
 * recipients, source URI, approver) in the embedded store's data directory — or on a ClickHouse
 * server, with the same statements — so the text is gone from the table's files — not only from
 * query results — and writes a signed erasure record.
 *
 * How the text leaves the disk:
 * 1. An ALTER TABLE … UPDATE mutation, waited for (`mutations_sync = 2`), rewrites every part
 *    holding an erased row, MATERIALIZED columns computed from the attributes (FrActor,
 *    FrTargetResource, …) included; the `flightrec_by_session` projection, which the mutation
 *    leaves as it was, is then rebuilt in those partitions (CLEAR PROJECTION, then MATERIALIZE PROJECTION).
 *    The rows are chosen by a salted SHA-256 of their session id, listed as constants: the
 *    mutation's text (kept on disk as `mutation_N.txt`, and on a replicated server in Keeper's
 *    log) names no session or actor, and it is deterministic, so every replica selects the same
 *    rows (a subquery over a table of this process's would not be: replicas run mutations alone).
 * 2. The parts the mutation replaced stay on disk as inactive parts until the cleanup thread removes
 *    them, `old_parts_lifetime` (8 minutes by default) later. The table's `old_parts_lifetime` is
 *    set to 0 meanwhile. On the embedded data directory DETACH TABLE … SYNC and ATTACH TABLE drop
 *    them at once (the table loads only its active parts and deletes the covered ones), and
 *    detached parts are dropped. On a server, where detaching the table would stop ingestion, the
 *    cleanup thread is waited for (every second meanwhile), and only the affected partitions'
 *    detached parts are dropped. Either way the command fails if a replaced part is still listed.
 * Exports already made are files: they are not touched and still verify.
 *
 * On a data directory this process opens itself, or on a server with an administrator's
 * credentials (`erase --url`) — never through flightrec's query port, whose writer may not run DDL.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
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
  /** Where: an embedded data directory, or a ClickHouse server (what each achieves: docs/audit.md). */
  store: EraseTarget;
  signer: { algorithm: 'ed25519'; public_key_fingerprint: string };
}

export interface EraseResult {
  record: ErasureRecord;
  /** Canonical JSON of the record and the base64 Ed25519 signature over exactly those bytes. */
  bytes: Buffer;
  signature: string;
}

/** SpanAttributes-shaped map expression with content keys removed and personal values blanked. */
function erasedMap(column: string): string {
  const personal = `[${PERSONAL_KEYS.map(sqlLiteral).join(', ')}]`;
  return `mapApply((k, v) -> (k, if(has(${personal}, k), ${sqlLiteral(ERASED_VALUE)}, v)), mapFilter((k, v) -> NOT ${isContentKeySql('k')}, ${column}))`;
}

export class EraseError extends Error {}

export type EraseTarget =
  /** A data directory opened in this process: replaced parts dropped by detaching and attaching the table. */
  | 'embedded'
  /** A ClickHouse server (through @clickhouse/client, as an administrator): the cleanup thread is waited for. */
  | 'server';

export interface EraseOptions {
  privateKey: KeyObject;
  contentKey: Buffer;
  database?: string;
  target?: EraseTarget;
  /** Longest wait for the replaced parts to be removed (default 30 s embedded, 120 s on a server). */
  cleanupTimeoutMs?: number;
  /** Sees every statement as sent (tests; `erase --print-sql`). */
  onStatement?: (sql: string) => void;
  now?: () => Date;
}

interface Run {
  command(query: string, settings?: Record<string, string | number>): Promise<void>;
  rows<T>(query: string, params?: Record<string, string | string[]>): Promise<T[]>;
}

function runner(client: ClickHouseClient, onStatement?: (sql: string) => void): Run {
  return {
    async command(query, settings) {
      onStatement?.(query);
      await client.command({ query, ...(settings && { clickhouse_settings: settings }) });
    },
    async rows<T>(query: string, params?: Record<string, string | string[]>) {
      onStatement?.(query);
      return (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
    },
  };
}

const hexLiteral = (h: string): string => {
  if (!/^[0-9a-f]*$/.test(h)) throw new Error('not lowercase hex');
  return `'${h}'`;
};

/**
 * Removes the parts a mutation replaced, now or fails: with `old_parts_lifetime = 0` (and a
 * one-second cleanup period) the table deletes covered parts at its next cleanup; embedded, the
 * table is also detached and attached (it deletes covered parts as it loads: a short-lived process
 * may never run the cleanup task). Waits until system.parts lists none of them: embedded, no
 * inactive part of the table at all; on a server, where ingestion goes on and merges keep making
 * inactive parts of their own, none of the parts `replaced()` names (those that held the rows
 * before or between the mutations and do not hold them now).
 */
async function mutateDroppingReplaced(run: Run, db: string, traces: string, partitions: string[], target: EraseTarget, timeoutMs: number, mutate: () => Promise<void>, replaced: () => Promise<string[]>): Promise<void> {
  await run.command(`ALTER TABLE ${traces} MODIFY SETTING old_parts_lifetime = 0, cleanup_delay_period = 1, cleanup_delay_period_random_add = 0`);
  try {
    await mutate();
    if (target === 'embedded') {
      await run.command(`DETACH TABLE ${traces} SYNC`);
      await run.command(`ATTACH TABLE ${traces}`);
      await run.command(`ALTER TABLE ${traces} DROP DETACHED PARTITION ALL`, { allow_drop_detached: 1 });
    } else {
      // Detached parts hold rows as they were when detached (broken or manually detached parts).
      for (const p of partitions) await run.command(`ALTER TABLE ${traces} DROP DETACHED PARTITION ID ${hexLiteral(p)}`, { allow_drop_detached: 1 });
    }
    const names = target === 'server' ? await replaced() : [];
    for (let waited = 0; ; waited += 250) {
      const [row] = await run.rows<{ n: string | number }>(
        `SELECT count() AS n FROM system.parts WHERE database = {db:String} AND table = {t:String} AND NOT active${target === 'server' ? ' AND name IN {names:Array(String)}' : ''}`,
        { db: db.replace(/^`|`$/g, ''), t: Tables.traces, ...(target === 'server' && { names }) },
      );
      if (Number(row?.n ?? 0) === 0) break;
      if (waited > timeoutMs) throw new EraseError(`${row!.n} replaced part(s) of ${traces} are still on disk after ${Math.round(waited / 1000)} s; the erased text may be in them (a query still reading them keeps them; run erase again later)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await run.command(`ALTER TABLE ${traces} RESET SETTING old_parts_lifetime, cleanup_delay_period, cleanup_delay_period_random_add`);
  }
}

export async function eraseSubject(client: ClickHouseClient, selector: EraseSelector, opts: EraseOptions): Promise<EraseResult> {
  const target = opts.target ?? 'embedded';
  const run = runner(client, opts.onStatement);
  const db = quoteIdent(opts.database ?? DEFAULT_DATABASE);
  const traces = `${db}.${quoteIdent(Tables.traces)}`;
  const kind = 'session' in selector ? 'session' : 'actor';
  const value = 'session' in selector ? selector.session : selector.actor;
  // An actor's sessions: every span of a conversation they took part in, not only the spans naming them.
  const sessions = kind === 'session'
    ? [value]
    : (await run.rows<{ s: string }>(`SELECT DISTINCT FrSessionId AS s FROM ${traces} WHERE FrActor = {v:String} OR SpanAttributes[${sqlLiteral(Flightrec.actor)}] = {v:String}`, { v: value })).map((r) => r.s);
  // Rows chosen by a salted hash of the session id: deterministic, and naming no one in clear.
  const salt = randomBytes(16).toString('hex');
  const digests = [...new Set(sessions)].map((s) => createHash('sha256').update(salt + s).digest('hex')).sort();
  const where = `lower(hex(SHA256(concat(${hexLiteral(salt)}, FrSessionId)))) IN (${digests.length > 0 ? digests.map(hexLiteral).join(', ') : "''"})`;
  const [counted] = await run.rows<{ sessions: string | number; spans: string | number }>(`SELECT uniqExact(FrSessionId) AS sessions, count() AS spans FROM ${traces} WHERE ${where}`);
  const spans = Number(counted?.spans ?? 0);
  if (spans > 0) {
    const partitions = (await run.rows<{ p: string }>(`SELECT DISTINCT _partition_id AS p FROM ${traces} WHERE ${where} ORDER BY p`)).map((r) => r.p);
    // Every part that holds the rows at some step: all but the last ones must leave the disk.
    const holding = async (): Promise<string[]> => (await run.rows<{ p: string }>(`SELECT DISTINCT _part AS p FROM ${traces} WHERE ${where}`)).map((r) => r.p);
    const held = new Set(target === 'server' ? await holding() : []);
    const note = async (): Promise<void> => {
      if (target === 'server') for (const p of await holding()) held.add(p);
    };
    await mutateDroppingReplaced(run, db, traces, partitions, target, opts.cleanupTimeoutMs ?? (target === 'embedded' ? 30_000 : 120_000), async () => {
      // mutations_sync = 2: wait for the mutation on every replica (on one server, for it).
      await run.command(`ALTER TABLE ${traces} UPDATE SpanAttributes = ${erasedMap('SpanAttributes')}, \`Events.Attributes\` = arrayMap(m -> ${erasedMap('m')}, \`Events.Attributes\`) WHERE ${where}`, { mutations_sync: 2 });
      await note();
      // The mutation recomputes the part's MATERIALIZED columns but keeps its projection as it
      // was (personal values in FrActor, FrTargetResource…): rebuild it where rows were erased.
      for (const p of partitions) {
        // MATERIALIZE alone keeps a projection a part already has: clear it first.
        await run.command(`ALTER TABLE ${traces} CLEAR PROJECTION ${quoteIdent(SESSION_PROJECTION)} IN PARTITION ID ${hexLiteral(p)}`, { mutations_sync: 2 });
        await note();
        await run.command(`ALTER TABLE ${traces} MATERIALIZE PROJECTION ${quoteIdent(SESSION_PROJECTION)} IN PARTITION ID ${hexLiteral(p)}`, { mutations_sync: 2 });
      }
    }, async () => {
      const now = new Set(await holding());
      return [...held].filter((p) => !now.has(p));
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
    store: target,
    signer: { algorithm: 'ed25519', public_key_fingerprint: fingerprint(publicKey) },
  };
  const bytes = Buffer.from(canonicalJson(record as unknown as CanonicalValue));
  return { record, bytes, signature: signBytes(opts.privateKey, bytes).toString('base64') };
}
