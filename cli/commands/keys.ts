import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadContentKey } from '../../audit/content-key.ts';
import { generateKeys, KeyError } from '../../audit/keys.ts';
import { UsageError, type Command } from '../command.ts';

export const keys: Command = {
  name: 'keys',
  summary: 'create an Ed25519 key pair for signing audit exports (private key file mode 0600)',
  usage: 'flightrec keys --out DIR  |  flightrec keys --content-key PATH  (a content-hash key, for a store whose data directory export cannot see)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, 'content-key': { type: 'string' } } });
    const contentKeyPath = values['content-key'];
    if (contentKeyPath) {
      if (existsSync(contentKeyPath)) throw new UsageError(`${contentKeyPath} already exists; refusing to overwrite a content-hash key`);
      loadContentKey(contentKeyPath, { create: true });
      console.log(`content-hash key: ${contentKeyPath}  (0600; export --content-key ${contentKeyPath}; destroying every copy shreds the content hashes)`);
      if (!values.out) return 0;
    }
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
