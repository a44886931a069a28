import { parseArgs } from 'node:util';
import { KeyError, loadPublicKey } from '../../audit/keys.ts';
import { verifyExport, type ExportScope, type VerifyReport } from '../../audit/verify-export.ts';
import { UsageError, type Command } from '../command.ts';

export function formatReport(r: VerifyReport): string {
  const lines: string[] = [];
  for (const p of r.problems) lines.push(`FAIL ${p.kind.padEnd(17)} ${p.message}`);
  if (r.unlisted > 0) lines.push(`FAIL …and ${r.unlisted} more record-level problems not listed`);
  if (r.stopped) lines.push(`STOP ${r.stopped}`);
  if (r.scope) lines.push(...formatScope(r.scope));
  if (r.ok) {
    lines.push(`OK   ${r.records} records in ${r.files} file(s); Merkle root ${r.root}; signed by ${r.signer}${r.previousRoot ? `; chained to ${r.previousRoot}` : ''}`);
  } else {
    lines.push(`NOT VERIFIED: ${r.problems.length + r.unlisted} problem(s) in ${r.dir}`);
  }
  return lines.join('\n') + '\n';
}

export function formatScope(s: ExportScope): string[] {
  const filters = Object.entries(s.filters).filter(([k]) => !['from', 'to', 'since'].includes(k)).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`);
  return [
    `     scope: spans from ${s.time_range.from ?? 'the beginning'} to ${s.time_range.to} (exclusive, UTC); ${filters.length ? `filters ${filters.join(', ')}` : 'no filters'}; ${s.format}, content ${s.content}; created ${s.created_at}`,
    ...(s.previous ? [`     chained to the export created ${s.previous.created_at} covering spans to ${s.previous.time_to} (manifest sha256:${s.previous.manifest_sha256})`] : []),
  ];
}

export const verify: Command = {
  name: 'verify',
  summary: 'verify an audit export offline: file hashes, every record, the Merkle root, the signature, the chain',
  usage: 'flightrec verify DIR --key PUBLIC.pem [--previous PREVIOUS_DIR] [--previous-key PUBLIC.pem] [--keep-going] [--json]',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { key: { type: 'string' }, previous: { type: 'string' }, 'previous-key': { type: 'string' }, json: { type: 'boolean' }, 'keep-going': { type: 'boolean' } },
    });
    const dir = positionals[0];
    if (!dir) throw new UsageError('which export directory? flightrec verify DIR --key PUBLIC.pem');
    if (!values.key) throw new UsageError('--key PUBLIC.pem is required (the exporter\'s public key)');
    let publicKey, previousPublicKey;
    try {
      publicKey = loadPublicKey(values.key);
      previousPublicKey = values['previous-key'] ? loadPublicKey(values['previous-key']) : undefined;
    } catch (err) {
      if (err instanceof KeyError) throw new UsageError(err.message);
      throw err;
    }
    const report = await verifyExport(dir, { publicKey, previousDir: values.previous, previousPublicKey, keepGoing: values['keep-going'] });
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    return report.ok ? 0 : 1;
  },
};
