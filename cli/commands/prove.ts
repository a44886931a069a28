import { realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readRegular } from '../../audit/export-files.ts';
import { parseArgs } from 'node:util';
import { makeProof, ProofError, verifyProof } from '../../audit/inclusion-proof.ts';
import { KeyError, loadPublicKey } from '../../audit/keys.ts';
import { ManifestError } from '../../audit/manifest.ts';
import { UsageError, type Command } from '../command.ts';

export const prove: Command = {
  name: 'prove',
  summary: 'write an inclusion proof for one exported record (checkable alone with verify-proof)',
  usage: 'flightrec prove DIR --record FILE:N [--out proof.json]   (N: 1-based record number; the line number in JSON Lines)',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { record: { type: 'string' }, out: { type: 'string' } } });
    const dir = positionals[0];
    if (!dir) throw new UsageError('which export directory? flightrec prove DIR --record FILE:N');
    const m = /^(.+):(\d+)$/.exec(values.record ?? '');
    if (!m) throw new UsageError(`--record takes FILE:N, e.g. records-000001.jsonl:42, got ${JSON.stringify(values.record)}`);
    let proof;
    try {
      proof = makeProof(dir, m[1]!, Number(m[2]));
    } catch (err) {
      if (err instanceof ProofError || err instanceof ManifestError) throw new UsageError(err.message);
      throw err;
    }
    const text = JSON.stringify(proof, null, 2) + '\n';
    if (values.out) {
      writeFileSync(values.out, text);
      console.log(`proof for ${proof.file}:${proof.record_number} (leaf ${proof.leaf_index} of ${proof.tree_size}) written to ${values.out}`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  },
};

/** A proof holds one record, its audit path and the signed manifest: far below this. */
const MAX_PROOF_BYTES = 64 << 20;

export const verifyProofCommand: Command = {
  name: 'verify-proof',
  summary: 'check an inclusion proof alone: the record, its audit path, and the signed manifest',
  usage: 'flightrec verify-proof PROOF.json --key PUBLIC.pem',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { key: { type: 'string' } } });
    const file = positionals[0];
    if (!file) throw new UsageError('which proof file? flightrec verify-proof PROOF.json --key PUBLIC.pem');
    if (!values.key) throw new UsageError('--key PUBLIC.pem is required (the exporter\'s public key)');
    // A proof comes from elsewhere: a regular file of bounded size only (never a FIFO or a device).
    // The path as named is the user's choice, so a link they name is followed, once, here.
    let path: string;
    try {
      path = realpathSync(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const read = readRegular(dirname(path), basename(path), MAX_PROOF_BYTES);
    if (!read.ok) throw new UsageError(`cannot read ${file}: it ${read.missing ? 'does not exist' : read.why}`);
    const text = read.bytes.toString('utf8');
    let key;
    try {
      key = loadPublicKey(values.key);
    } catch (err) {
      if (err instanceof KeyError) throw new UsageError(err.message);
      throw err;
    }
    const check = verifyProof(text, key);
    for (const p of check.problems) console.log(`FAIL ${p}`);
    console.log(check.ok ? `OK   ${check.file}:${check.recordNumber} is in the signed export with root ${check.root}` : 'NOT VERIFIED');
    return check.ok ? 0 : 1;
  },
};
