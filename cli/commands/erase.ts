import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ContentKeyError, contentKeyPathIn, loadContentKey } from '../../audit/content-key.ts';
import { eraseSubject } from '../../audit/erase.ts';
import { KeyError, loadPrivateKey } from '../../audit/keys.ts';
import { connect } from '../connect.ts';
import { UsageError, type Command } from '../command.ts';

export const erase: Command = {
  name: 'erase',
  summary: 'erase a conversation\'s content and personal data from an embedded data directory (files on disk included); writes a signed erasure record',
  usage: 'flightrec erase --session S | --actor A --data-dir DIR --key PRIVATE.pem --out ERASURE.json [--content-key PATH]   (stop `flightrec up` first: the store is opened here, never through its port)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { session: { type: 'string' }, actor: { type: 'string' }, 'data-dir': { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, 'content-key': { type: 'string' } },
    });
    if ((values.session === undefined) === (values.actor === undefined)) throw new UsageError('give --session S or --actor A (one of them)');
    if ((values.session ?? values.actor) === '') throw new UsageError('the session or actor must not be empty');
    if (!values['data-dir']) throw new UsageError('--data-dir DIR is required: erasure runs on the data directory itself, never through a query port');
    if (!values.key) throw new UsageError('--key PRIVATE.pem is required (signs the erasure record)');
    if (!values.out) throw new UsageError('--out ERASURE.json is required (the signed erasure record)');
    let privateKey, contentKey;
    try {
      privateKey = loadPrivateKey(values.key);
      contentKey = loadContentKey(values['content-key'] ?? contentKeyPathIn(values['data-dir']), { create: values['content-key'] === undefined });
    } catch (err) {
      if (err instanceof KeyError || err instanceof ContentKeyError) throw new UsageError(err.message);
      throw err;
    }
    const client = await connect({ 'data-dir': values['data-dir'] });
    try {
      const selector = values.session !== undefined ? { session: values.session } : { actor: values.actor! };
      const result = await eraseSubject(client, selector, { privateKey, contentKey });
      writeFileSync(values.out, JSON.stringify({ record: result.record, signature: result.signature }, null, 2) + '\n', { flag: 'wx' });
      console.log(`erased ${result.record.spans} span(s) in ${result.record.sessions} session(s); signed record in ${values.out}`);
    } finally {
      await client.close();
    }
    return 0;
  },
};
