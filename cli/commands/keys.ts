import { parseArgs } from 'node:util';
import { generateKeys, KeyError } from '../../audit/keys.ts';
import { UsageError, type Command } from '../command.ts';

export const keys: Command = {
  name: 'keys',
  summary: 'create an Ed25519 key pair for signing audit exports (private key file mode 0600)',
  usage: 'flightrec keys --out DIR',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
    if (!values.out) throw new UsageError('--out DIR is required (where to write the key pair)');
    try {
      const k = generateKeys(values.out);
      console.log(`private key: ${k.privateKeyPath}  (keep it with the exporter; never share it)`);
      console.log(`public key:  ${k.publicKeyPath}  (give it to auditors: flightrec verify DIR --key ${k.publicKeyPath})`);
      console.log(`fingerprint: ${k.fingerprint}`);
    } catch (err) {
      if (err instanceof KeyError) throw new UsageError(err.message);
      throw err;
    }
    return 0;
  },
};
