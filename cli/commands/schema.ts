import { parseArgs } from 'node:util';
import { DEFAULT_TTL_DAYS, productionDdlScript } from '../../storage/schema.ts';
import { DEFAULT_DATABASE } from '../../storage/tables.ts';
import { UsageError, type Command } from '../command.ts';

/** `flightrec schema`: print the DDL for a ClickHouse server or cluster, for operators to review and apply. */
export const schema: Command = {
  name: 'schema',
  summary: 'print the ClickHouse DDL (otel_traces + flightrec structures) for a server or cluster',
  usage: 'flightrec schema [--cluster NAME] [--ttl-days 180] [--database otel]   (apply with: clickhouse-client --multiquery < schema.sql)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { cluster: { type: 'string' }, 'ttl-days': { type: 'string' }, database: { type: 'string' } },
    });
    const ttlText = values['ttl-days'] ?? String(DEFAULT_TTL_DAYS);
    const ttlDays = Number(ttlText);
    if (!Number.isInteger(ttlDays) || ttlDays < 0) throw new UsageError(`--ttl-days must be a whole number >= 0, got ${JSON.stringify(ttlText)}`);
    const database = values.database ?? DEFAULT_DATABASE;
    for (const [flag, name] of [['--cluster', values.cluster], ['--database', database]] as const) {
      if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`${flag} must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(name)}`);
    }
    process.stdout.write(productionDdlScript({ cluster: values.cluster, ttlDays, database }));
    return 0;
  },
};
