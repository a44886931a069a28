import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ContentKeyError, contentKeyPathIn, loadContentKey } from '../../audit/content-key.ts';
import { eraseSubject } from '../../audit/erase.ts';
import { KeyError, loadPrivateKey } from '../../audit/keys.ts';
import { connect, connectionOptions } from '../connect.ts';
import { UsageError, type Command } from '../command.ts';

export const erase: Command = {
  name: 'erase',
  summary: 'erase a conversation\'s content and personal data from an embedded data directory or a ClickHouse server (the table\'s files included); writes a signed erasure record',
  usage: 'flightrec erase --session S | --actor A --data-dir DIR --key PRIVATE.pem --out ERASURE.json [--content-key PATH]   (stop `flightrec up` first: the store is opened here, never through its port)\n' +
    '       flightrec erase --session S | --actor A --url URL [--user ADMIN] [--database D] --content-key PATH --key PRIVATE.pem --out ERASURE.json [--print-sql]   (a ClickHouse server, as an administrator: password in FLIGHTREC_PASSWORD)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        session: { type: 'string' }, actor: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, 'content-key': { type: 'string' }, 'print-sql': { type: 'boolean' },
        ...connectionOptions,
      },
    });
    if ((values.session === undefined) === (values.actor === undefined)) throw new UsageError('give --session S or --actor A (one of them)');
    if ((values.session ?? values.actor) === '') throw new UsageError('the session or actor must not be empty');
    const server = values.url !== undefined;
    if (server === (values['data-dir'] !== undefined)) throw new UsageError('give --data-dir DIR (an embedded store no process holds) or --url URL (a ClickHouse server, as an administrator): one of them');
    if (server && values.password !== undefined) throw new UsageError('give the password in FLIGHTREC_PASSWORD, not on the command line');
    if (server && values['content-key'] === undefined) throw new UsageError('--content-key PATH is required with --url (the store\'s content-hash key names the subject in the record)');
    if (!values.key) throw new UsageError('--key PRIVATE.pem is required (signs the erasure record)');
    if (!values.out) throw new UsageError('--out ERASURE.json is required (the signed erasure record)');
    let privateKey, contentKey;
    try {
      privateKey = loadPrivateKey(values.key);
      contentKey = loadContentKey(values['content-key'] ?? contentKeyPathIn(values['data-dir']!), { create: values['content-key'] === undefined });
    } catch (err) {
      if (err instanceof KeyError || err instanceof ContentKeyError) throw new UsageError(err.message);
      throw err;
    }
    const client = await connect(server ? { url: values.url, user: values.user, database: values.database } : { 'data-dir': values['data-dir'] });
    try {
      const selector = values.session !== undefined ? { session: values.session } : { actor: values.actor! };
      const result = await eraseSubject(client, selector, {
        privateKey, contentKey, target: server ? 'server' : 'embedded', database: values.database,
        onStatement: values['print-sql'] ? (sql) => process.stderr.write(`${sql};\n`) : undefined,
      });
      writeFileSync(values.out, JSON.stringify({ record: result.record, signature: result.signature }, null, 2) + '\n', { flag: 'wx' });
      console.log(`erased ${result.record.spans} span(s) in ${result.record.sessions} session(s); signed record in ${values.out}`);
    } finally {
      await client.close();
    }
    return 0;
  },
};
