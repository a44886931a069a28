import { parseArgs } from 'node:util';
import { findSavedQuery } from '../../catalogue/saved-queries.ts';
import { runSavedQuery } from '../../review/run-query.ts';
import { rangeSince, withTimeRange } from '../../review/time-range.ts';
import { connectionOptions, withStore } from '../connect.ts';
import { formatRows, OUTPUT_FORMATS, type OutputFormat } from '../format-rows.ts';
import { UsageError, type Command } from '../command.ts';

export function parseParamFlags(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--param takes name=value, got ${JSON.stringify(kv)}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export function outputFormat(v: string | undefined): OutputFormat {
  const f = (v ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(f)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(v)}`);
  return f;
}

export const query: Command = {
  name: 'query',
  summary: 'run a saved query from queries/',
  usage: 'flightrec query <name> [--param k=v …] [--since 24h] [--format table|json|csv] [--url URL | --data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { param: { type: 'string', multiple: true }, format: { type: 'string' }, since: { type: 'string' }, ...connectionOptions },
    });
    const name = positionals[0];
    if (!name) throw new UsageError('which query? `flightrec queries` lists them');
    const format = outputFormat(values.format);
    const saved = findSavedQuery(name);
    // Time-windowed queries ({from}/{to}) cover the last --since (24h by default) unless given explicitly.
    const params = withTimeRange(saved, parseParamFlags(values.param), rangeSince(values.since ?? '24h'));
    // The table is for people: times come back as ISO 8601 in UTC and are shown as such; JSON and
    // CSV keep what the server writes (nanoseconds, its time zone) for machines.
    const rows = await withStore(values, (client) => runSavedQuery(client, saved, params, { isoTimes: format === 'table' }));
    process.stdout.write(formatRows(rows, format));
    return 0;
  },
};
