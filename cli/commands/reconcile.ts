import { parseArgs } from 'node:util';
import { KeyError, loadPublicKey } from '../../audit/keys.ts';
import { reconcile, type ReconcileReport } from '../../audit/reconcile.ts';
import { connect, connectionOptions } from '../connect.ts';
import { chainDirs } from '../chain-dirs.ts';
import { UsageError, type Command } from '../command.ts';

export function formatReconcile(r: ReconcileReport): string {
  const lines: string[] = [];
  for (const u of r.unreadable) lines.push(`FAIL unreadable   ${u.dir}: ${u.why}`);
  for (const row of r.rows) {
    const period = `${row.from ?? 'the beginning'} .. ${row.to}`;
    if (row.stored > row.exported) lines.push(`FAIL late-spans   ${row.dir} (${period}): ${row.stored - row.exported} span(s) in the store that the export does not hold (arrived after it was made); export the period again`);
    else if (row.stored < row.exported) lines.push(`FAIL fewer-spans  ${row.dir} (${period}): the store holds ${row.exported - row.stored} span(s) fewer than exported (erased or expired since)`);
    else lines.push(`OK   ${row.dir} (${period}): ${row.exported} span(s), as in the store`);
  }
  lines.push(r.ok ? `OK   ${r.rows.length} export(s) match the store` : 'NOT RECONCILED');
  return lines.join('\n') + '\n';
}

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'compare each export with the store now: spans that arrived late for an exported period, or were erased since',
  usage: 'flightrec reconcile --chain FOLDER | DIR… --key PUBLIC.pem [--json] [--url URL | --data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { key: { type: 'string' }, chain: { type: 'string' }, json: { type: 'boolean' }, ...connectionOptions } });
    if (!values.key) throw new UsageError('--key PUBLIC.pem is required (the exporter\'s public key)');
    let publicKey;
    try {
      publicKey = loadPublicKey(values.key);
    } catch (err) {
      if (err instanceof KeyError) throw new UsageError(err.message);
      throw err;
    }
    const dirs = chainDirs(values.chain, positionals);
    if (dirs.length === 0) throw new UsageError('which exports? flightrec reconcile --chain FOLDER | DIR… --key PUBLIC.pem');
    const client = await connect(values);
    try {
      const report = await reconcile(client, dirs, publicKey);
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReconcile(report));
      return report.ok ? 0 : 1;
    } finally {
      await client.close();
    }
  },
};
