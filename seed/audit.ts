/**
 * Synthetic agent spans for audit export tests and benchmarks, inserted straight into
 * `otel_traces` with INSERT … SELECT FROM numbers(): millions of rows in seconds, timestamps
 * just before now (rows older than the TTL would be dropped).
 *
 * Every 8 spans form a trace (an invoke_agent root with seven children), 64 spans a session; the
 * record kind, effect and risk cycle so every filter has something to select.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { DEFAULT_DATABASE, Tables, quoteIdent } from '../storage/tables.ts';

export interface SeedOptions {
  /** Rows to insert. */
  count: number;
  /** Index of the first row; seed twice with disjoint ranges for two batches. */
  offset?: number;
  /** Timestamp of row 0, as ClickHouse DateTime64 text in UTC; default: one hour ago. */
  base?: string;
  /** Milliseconds between consecutive rows. */
  stepMs?: number;
  database?: string;
}

export function utcText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export async function seedSpans(client: ClickHouseClient, opts: SeedOptions): Promise<void> {
  const table = `${quoteIdent(opts.database ?? DEFAULT_DATABASE)}.${quoteIdent(Tables.traces)}`;
  const base = opts.base ?? utcText(new Date(Date.now() - 3_600_000));
  await client.command({
    query: `INSERT INTO ${table} (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
        ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
      SELECT
        {base:DateTime64(3, 'UTC')} + toIntervalMillisecond(n * {step:UInt32}) AS ts,
        lower(hex(MD5(concat('trace-', toString(intDiv(n, 8)))))),
        substring(lower(hex(MD5(concat('span-', toString(n))))), 1, 16),
        if(n % 8 = 0, '', substring(lower(hex(MD5(concat('span-', toString(n - n % 8))))), 1, 16)),
        '',
        multiIf(n % 8 = 0, 'invoke_agent mail-agent', n % 8 = 1, 'chat gpt-4o', 'execute_tool send_email'),
        'Internal',
        'mail-agent',
        map('service.name', 'mail-agent', 'gen_ai.agent.name', 'mail-agent'),
        'flightrec',
        '0.1.0',
        mapFilter((k, v) -> v != '', map(
          'gen_ai.operation.name', multiIf(n % 8 = 0, 'invoke_agent', n % 8 = 1, 'chat', 'execute_tool'),
          'gen_ai.conversation.id', concat('session-', toString(intDiv(n, 64))),
          'gen_ai.agent.name', if(n % 128 < 64, 'mail-agent', 'billing-agent'),
          'flightrec.record', ['saw', 'decided', 'touched'][n % 3 + 1],
          'flightrec.actor', concat('user-', toString(n % 17)),
          'gen_ai.tool.name', if(n % 8 > 1, 'send_email', ''),
          'flightrec.effect', if(n % 8 > 1, ['read', 'write', 'send', 'delete'][n % 4 + 1], ''),
          'flightrec.risk', if(n % 8 > 1, ['low', 'medium', 'high', 'critical'][n % 4 + 1], ''),
          'flightrec.target.system', if(n % 8 > 1, 'smtp', ''),
          'flightrec.target.resource', if(n % 8 > 1, concat('mailto:customer', toString(n % 100), '@example.com'), ''),
          'flightrec.policy.verdict', if(n % 8 > 1, if(n % 10 = 3, 'require_approval', 'allow'), ''),
          'flightrec.policy.rule', if(n % 10 = 3, 'external-recipient', ''),
          'flightrec.approval.status', if(n % 10 = 3, 'approved', ''),
          'flightrec.approval.approver', if(n % 10 = 3, 'alice@example.com', ''),
          'flightrec.outcome', if(n % 50 = 7, 'error', 'ok'),
          'gen_ai.tool.call.arguments', if(n % 8 > 1, concat('{"to":"customer', toString(n % 100), '@example.com","subject":"Invoice ', toString(n), '"}'), ''),
          'gen_ai.input.messages', if(n % 8 = 1, concat('[{"role":"user","content":"please send invoice ', toString(n), '"}]'), ''),
          'flightrec.redacted_keys', if(n % 8 = 1 AND n % 5 = 0, 'gen_ai.output.messages', '')
        )),
        1000000 + n % 997,
        if(n % 50 = 7, 'Error', 'Ok'),
        if(n % 50 = 7, 'smtp timeout', '')
      FROM (SELECT number + {offset:UInt64} AS n FROM numbers({count:UInt64}))`,
    query_params: { base, step: opts.stepMs ?? 1, offset: opts.offset ?? 0, count: opts.count },
  });
}

/**
 * Merge the seeded parts into one, as a store that has held a period for a while has them: a
 * benchmark that times reads right after seeding would otherwise also pay the fresh insert's
 * background merges.
 */
export async function mergeSeeded(client: ClickHouseClient, database: string = DEFAULT_DATABASE): Promise<void> {
  await client.command({ query: `OPTIMIZE TABLE ${quoteIdent(database)}.${quoteIdent(Tables.traces)} FINAL` });
}
