/**
 * Where the store's CPU goes in an audit export: the export's page queries, run straight on a chdb
 * session in this process (no HTTP, no exporter), in variants that leave out one part of the work
 * each — the output bytes (FORMAT Null), the sort, the keyed content hashes, the JSON built in SQL
 * (raw columns as Native instead) — and the shipped query against its forms before (sorted by the key
 * only, which lets ClickHouse move the formatting after the sort; pages bounded by the key tuple
 * alone, without the plain Timestamp bounds that let the store skip rows before reading the ids). CPU time of this process per million rows; the seeded spans of
 * the export benchmark. docs/audit.md ("Where export's time goes") reads these figures.
 *
 *   npx node bench/audit-export-store-cost.ts            # 200 000 rows, two rounds
 *   AUDIT_BENCH_RECORDS=500000 AUDIT_BENCH_ROUNDS=3 npx node bench/audit-export-store-cost.ts
 */
import { Session } from 'chdb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentHashParams } from '../audit/content-sql.ts';
import { boundariesQuery, exportSelectList, pageQuery } from '../audit/export-query.ts';
import { RECORD_LINE_SETTINGS, recordLineSql } from '../audit/jsonl-sql.ts';
import { chTime } from '../cli/commands/export.ts';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { mergeSeeded, seedSpans, utcText } from '../seed/audit.ts';

const N = Number(process.env.AUDIT_BENCH_RECORDS ?? 200_000);
const ROUNDS = Number(process.env.AUDIT_BENCH_ROUNDS ?? 2);
const PAGE = 50_000;
const tmp = mkdtempSync(join(tmpdir(), 'flightrec-export-store-cost-'));
const server = await startEmbeddedServer({ dataDir: join(tmp, 'store'), otlpPort: 0, queryPort: 0 });
try {
  await seedSpans(server.client, { count: N, base: utcText(new Date(Date.now() - 3_600_000)), stepMs: 1 });
  await mergeSeeded(server.client); // no variant pays the fresh insert's merges
  const filters = { to: chTime(new Date(Date.now() + 60_000)) };
  const s = new Session(join(tmp, 'store'));
  try {
    await s.queryAsync('USE otel');
    const lit = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    // Query parameters set on the session, as the embedded server does.
    const setParams = async (p: Record<string, unknown>): Promise<void> => {
      for (const [k, v] of Object.entries(p)) await s.queryAsync(`SET param_${k} = ${lit(Array.isArray(v) ? `[${v.map((x) => lit(String(x))).join(',')}]` : String(v))}`);
    };
    for (const [k, v] of Object.entries(RECORD_LINE_SETTINGS)) await s.queryAsync(`SET ${k} = ${v}`);
    const b = boundariesQuery(filters, PAGE);
    await setParams(b.params);
    const bounds = (await s.queryAsync(b.sql, { format: 'JSONCompactEachRow' })).text().trim().split('\n').map((l) => JSON.parse(l) as [string, string, string]);
    await setParams(contentHashParams(randomBytes(32)));
    const line = `${recordLineSql('hashes')} AS line`;
    const variants: [name: string, select: string, format: string, sorted: boolean, thenBy?: string, keyBoundsOnly?: boolean][] = [
      ['record lines, sorted then by line (as shipped)', line, 'TabSeparatedRaw', true, 'line'],
      ['record lines, sorted by the key only (before)', line, 'TabSeparatedRaw', true],
      ['record lines, pages bounded by the key tuple alone (before)', line, 'TabSeparatedRaw', true, 'line', true],
      ['record lines, sorted, FORMAT Null', line, 'Null', true, 'line'],
      ['record lines, content as stored (no HMAC)', `${recordLineSql('as-stored')} AS line`, 'TabSeparatedRaw', true, 'line'],
      ['record lines, unsorted', line, 'TabSeparatedRaw', false],
      ['raw columns, hashed, sorted, Native', exportSelectList('hashes'), 'Native', true],
      ['raw columns, as stored, sorted, Native', exportSelectList('as-stored'), 'Native', true],
      ['raw columns, as stored, unsorted, Native', exportSelectList('as-stored'), 'Native', false],
      ['raw columns, as stored, sorted, FORMAT Null', exportSelectList('as-stored'), 'Null', true],
    ];
    console.log(`${N.toLocaleString('en')} rows in pages of ${PAGE.toLocaleString('en')}; CPU-seconds of this process per million rows (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, select, format, sorted, thenBy, keyBoundsOnly] of round % 2 === 0 ? variants : [...variants].reverse()) {
        const c0 = process.cpuUsage();
        let bytes = 0;
        for (let i = 0; i < bounds.length; i++) {
          const q = pageQuery(filters, bounds[i]!, bounds[i + 1] ?? null, select, thenBy);
          await setParams(q.params);
          let sql = sorted ? q.sql : q.sql.replace(/\nORDER BY[^\n]*$/, '');
          // The page query before its plain Timestamp bounds (the key tuple's bounds imply them).
          if (keyBoundsOnly) {
            sql = sql.replace(/\n  AND Timestamp [<>]= \{[pq]_time:DateTime64\(9, 'UTC'\)\}/g, '');
            if (/Timestamp [<>]= \{[pq]_time/.test(sql)) throw new Error('the page query no longer has its plain Timestamp bounds where this bench strips them');
          }
          bytes += (await s.queryAsync(sql, { format })).bytes().byteLength;
        }
        const c = process.cpuUsage(c0);
        console.log(`round ${round + 1}  ${name.padEnd(48)} ${((c.user + c.system) / N).toFixed(2).padStart(6)} s  (${(bytes / N).toFixed(0)} bytes a row out)`);
      }
    }
    console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    s.close();
  }
} finally {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
