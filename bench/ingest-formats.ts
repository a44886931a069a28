/**
 * The engine alone: how fast chdb takes the receiver's insert bodies, by format, into the contrib
 * exporter's bare `otel_traces` and into flightrec's (stored derived columns, by-session
 * projection, materialized views). Same agent rows in every case, formats and tables alternating
 * each round, load printed. This is the measurement behind the Native default (docs/storage.md).
 *
 *   npx node bench/ingest-formats.ts [--rounds 3] [--requests 100]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { drainPending } from 'chdb';
import { protobufToNative } from '../receiver/native-span-writer.ts';
import { encodeRows, type RowFormat } from '../receiver/row-format.ts';
import { TRACE_INSERT_COLUMNS } from '../storage/trace-columns.ts';
import { decodeRequest } from '../receiver/decode-request.ts';
import { DEFAULT_ROW_LIMITS, requestToRows } from '../receiver/span-rows.ts';
import { tracesTableDdl } from '../storage/schema.ts';
import { insertBody, migrate, openStore } from '../storage/store-client.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { workloadBodies } from '../seed/agent-workload.ts';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, requests: { type: 'string', default: '100' } } });
const bodies = workloadBodies(Number(args.requests), 512);
const rows = bodies.length * 512;
const traceRows = bodies.flatMap((b) => requestToRows(decodeRequest(b, 'protobuf')).rows);
const payload: Record<RowFormat, Buffer> = {
  Native: Buffer.concat(bodies.map((b) => protobufToNative(b, DEFAULT_ROW_LIMITS).data)),
  TSV: encodeRows(traceRows, 'TSV'),
  JSONEachRow: encodeRows(traceRows, 'JSONEachRow'),
};
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`ingest formats — ${rows.toLocaleString('en-US')} agent spans per insert (${Object.entries(payload).map(([f, b]) => `${f} ${(b.length / rows).toFixed(0)} B/span`).join(', ')}), fsync on; load ${load()}`);

const dir = tempDir('flightrec-bench-');
const client = await openStore({ kind: 'embedded', path: dir.path });
try {
  await migrate(client, { fsync: true, ttlDays: 0 });
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS bare' });
  await client.command({ query: tracesTableDdl({ database: 'bare', ttlDays: 0 }) });
  const results = new Map<string, number[]>();
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const database of ['bare', 'otel']) {
      for (const format of ['Native', 'TSV', 'JSONEachRow'] as const) {
        const t0 = performance.now();
        await insertBody(client, { database, table: 'otel_traces', columns: TRACE_INSERT_COLUMNS, format, body: payload[format] });
        const key = `${format.padEnd(11)} → ${database === 'bare' ? "exporter's bare otel_traces" : "flightrec's otel_traces"}`;
        results.set(key, [...(results.get(key) ?? []), rows / ((performance.now() - t0) / 1000)]);
      }
    }
    console.log(`  round ${round + 1} done (load ${load()})`);
  }
  for (const [key, rates] of results) console.log(`  ${key.padEnd(46)} ${rates.map((r) => Math.round(r).toLocaleString('en-US').padStart(8)).join(' ')} spans/s`);
} finally {
  await client.close();
  await drainPending();
  dir.cleanup();
}
