import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { certificatesFromPem, crlsFromFile } from '../../audit/timestamp.ts';
import { KeyError, loadPublicKey } from '../../audit/keys.ts';
import { verifyExport, type ExportScope, type VerifyReport } from '../../audit/verify-export.ts';
import { verifyChain, type ChainReport } from '../../audit/verify-chain.ts';
import { chainDirs } from '../chain-dirs.ts';
import { UsageError, type Command } from '../command.ts';
import { chTime } from './export.ts';

export function formatReport(r: VerifyReport): string {
  const lines: string[] = [];
  for (const p of r.problems) lines.push(`FAIL ${p.kind.padEnd(17)} ${p.message}`);
  if (r.unlisted > 0) lines.push(`FAIL …and ${r.unlisted} more record-level problems not listed`);
  if (r.stopped) lines.push(`STOP ${r.stopped}`);
  if (r.scope) lines.push(...formatScope(r.scope));
  if (r.timestamp) lines.push(`     timestamped by the authority at ${r.timestamp.gen_time} (RFC 3161, serial ${r.timestamp.serial})`);
  if (r.ok) {
    lines.push(`OK   ${r.records} records in ${r.files} file(s); Merkle root ${r.root}; signed by ${r.signer}${r.previousRoot ? `; chained to ${r.previousRoot}` : ''}`);
  } else {
    lines.push(`NOT VERIFIED: ${r.problems.length + r.unlisted} problem(s) in ${r.dir}`);
  }
  return lines.join('\n') + '\n';
}

export function formatScope(s: ExportScope): string[] {
  const filters = Object.entries(s.selection).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`);
  return [
    `     scope: spans from ${s.time_range.from ?? 'the beginning'} to ${s.time_range.to} (exclusive, UTC); ${filters.length ? `filters ${filters.join(', ')}` : 'no filters'}; ${s.format}, content ${s.content}; created ${s.created_at}`,
    ...(s.previous ? [`     chained to the export created ${s.previous.created_at} covering spans to ${s.previous.time_to} (manifest sha256:${s.previous.manifest_sha256})`] : []),
  ];
}

export function formatChainReport(r: ChainReport): string {
  let out = '';
  for (const e of r.exports) out += `== ${e.dir}\n` + formatReport(e);
  out += `== chain of ${r.exports.length} export(s)\n`;
  for (const p of r.problems) out += `FAIL ${p.kind.padEnd(17)} ${p.message}\n`;
  if (r.ok && r.covers) out += `OK   chain of ${r.exports.length} export(s): gap-free, fork-free and overlap-free from ${r.covers.from ?? 'the beginning'} to ${r.covers.to}\n`;
  else out += `NOT VERIFIED: ${r.problems.length} chain problem(s), ${r.exports.filter((e) => !e.ok).length} export(s) not verified\n`;
  return out;
}

export const verify: Command = {
  name: 'verify',
  summary: 'verify an audit export offline (file hashes, every record, the Merkle root, the signature), or a chain of exports (no gap, fork or overlap)',
  usage: 'flightrec verify DIR --key PUBLIC.pem [--previous PREVIOUS_DIR] [--previous-key PUBLIC.pem] [--tsa-cert TSA.pem [--tsa-crl CRL]…] [--keep-going] [--json]\n' +
    '       flightrec verify --chain FOLDER | DIR DIR… --key PUBLIC.pem [--until T] [--anchor-log PATH] [--tsa-cert TSA.pem [--tsa-crl CRL]…] [--keep-going] [--json]   (a chain: FOLDER holds one export per subdirectory)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string' }, previous: { type: 'string' }, 'previous-key': { type: 'string' }, json: { type: 'boolean' }, 'keep-going': { type: 'boolean' },
        chain: { type: 'string' }, until: { type: 'string' }, 'anchor-log': { type: 'string' }, 'tsa-cert': { type: 'string' }, 'tsa-crl': { type: 'string', multiple: true },
      },
    });
    const chainMode = values.chain !== undefined || positionals.length > 1 || values['anchor-log'] !== undefined;
    if (!chainMode && !positionals[0]) throw new UsageError('which export directory? flightrec verify DIR --key PUBLIC.pem');
    if (!values.key) throw new UsageError('--key PUBLIC.pem is required (the exporter\'s public key)');
    let publicKey, previousPublicKey;
    try {
      publicKey = loadPublicKey(values.key);
      previousPublicKey = values['previous-key'] ? loadPublicKey(values['previous-key']) : undefined;
    } catch (err) {
      if (err instanceof KeyError) throw new UsageError(err.message);
      throw err;
    }
    let timestampCerts;
    if (values['tsa-cert']) {
      try {
        timestampCerts = certificatesFromPem(readFileSync(values['tsa-cert'], 'utf8'));
      } catch (err) {
        throw new UsageError(`--tsa-cert ${values['tsa-cert']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    let timestampCrls;
    if (values['tsa-crl']) {
      if (!timestampCerts) throw new UsageError('--tsa-crl checks the timestamp authority certificate given with --tsa-cert');
      timestampCrls = values['tsa-crl'].flatMap((path) => {
        try {
          return crlsFromFile(readFileSync(path));
        } catch (err) {
          throw new UsageError(`--tsa-crl ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      });
    }
    if (chainMode) {
      if (values.previous) throw new UsageError('--previous checks one link; a chain is checked whole (give every export)');
      const dirs = chainDirs(values.chain, positionals);
      if (dirs.length === 0) throw new UsageError(`no export directories in ${values.chain}`);
      let until: string | undefined;
      if (values.until) {
        const d = new Date(values.until);
        if (Number.isNaN(d.getTime())) throw new UsageError(`--until must be a date and time (ISO 8601), got ${JSON.stringify(values.until)}`);
        until = chTime(d);
      }
      const report = await verifyChain(dirs, { publicKey, keepGoing: values['keep-going'], until, anchorLog: values['anchor-log'], timestampCerts, timestampCrls });
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatChainReport(report));
      return report.ok ? 0 : 1;
    }
    const dir = positionals[0]!;
    const report = await verifyExport(dir, { publicKey, previousDir: values.previous, previousPublicKey, keepGoing: values['keep-going'], timestampCerts, timestampCrls });
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    return report.ok ? 0 : 1;
  },
};
