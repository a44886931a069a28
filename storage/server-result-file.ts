/**
 * A read whose rows the query server's engine writes into a file on its own host
 * (result-file-protocol.ts), for a client on that host: flightrec's embedded server does this;
 * a ClickHouse server does not, and openServerResultFiles() tells which.
 *
 * The server names the file, so the client checks the name before it moves or removes anything:
 * only a regular file in the folder the probe proved the server writes into, named as the server
 * names them. A server that answered with any other path (a user's file) is refused.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseResultFileAnswer, RESULT_FILE_HEADER, RESULT_FILE_NAME, RESULT_FILE_VALUE, type ResultFileAnswer } from './result-file-protocol.ts';
import { storeInThisProcess, type SelectIntoFile } from './store-client.ts';

export class ResultFileError extends Error {}

async function ask(client: ClickHouseClient, q: Omit<SelectIntoFile, 'path'>): Promise<ResultFileAnswer> {
  const r = await client.exec({
    query: q.query,
    query_params: q.params,
    clickhouse_settings: { ...q.settings, default_format: q.format },
    http_headers: { [RESULT_FILE_HEADER]: RESULT_FILE_VALUE },
  });
  let body = '';
  for await (const chunk of r.stream as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    // An answer is one short line; a server that ignored the header sends rows: stop reading them.
    if (body.length > 64 * 1024) {
      r.stream.destroy();
      break;
    }
  }
  const answer = parseResultFileAnswer(body);
  if (!answer) throw new ResultFileError('the server answered with rows, not a result file (it does not write result files)');
  return answer;
}

/** Result files of one server, in the folder the probe found readable here. */
export class ServerResultFiles {
  readonly #client: ClickHouseClient;
  readonly dir: string;

  constructor(client: ClickHouseClient, dir: string) {
    this.#client = client;
    this.dir = dir;
  }

  /** Has the server write a SELECT's rows into a new file; resolves with its path once written. The caller moves or removes it. */
  async select(q: Omit<SelectIntoFile, 'path'>): Promise<string> {
    const answer = await ask(this.#client, q);
    checkAnswer(answer, this.dir);
    return answer.path;
  }
}

function checkAnswer(answer: ResultFileAnswer, dir: string): void {
  if (dirname(answer.path) !== dir || !RESULT_FILE_NAME.test(basename(answer.path))) {
    throw new ResultFileError(`the server named a result file outside its result folder (${JSON.stringify(answer.path)}); nothing was read or moved`);
  }
  let st;
  try {
    st = lstatSync(answer.path);
  } catch (err) {
    throw new ResultFileError(`the server's result file ${answer.path} cannot be read here: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!st.isFile() || st.size !== answer.bytes) throw new ResultFileError(`the server's result file ${answer.path} is not the regular file of ${answer.bytes} bytes it announced`);
}

/**
 * The server's result files when this process can read them: a server of flightrec's on this
 * host, running as a user whose files this process may read. It writes a file holding a random
 * token, which is read back here and removed. Null for a ClickHouse server, a remote one, or one
 * whose files are out of reach (it removes its unread file after a while).
 */
export async function openServerResultFiles(client: ClickHouseClient): Promise<ServerResultFiles | null> {
  if (storeInThisProcess(client)) return null;
  const token = randomUUID();
  let answer: ResultFileAnswer;
  try {
    answer = await ask(client, { query: 'SELECT {flightrec_probe:String}', params: { flightrec_probe: token }, format: 'TabSeparatedRaw' });
    if (!RESULT_FILE_NAME.test(basename(answer.path))) return null;
    checkAnswer(answer, dirname(answer.path));
    if (readFileSync(answer.path, 'utf8') !== `${token}\n`) return null;
  } catch {
    return null;
  }
  // Only a file that held the token is removed: it is the server's.
  rmSync(answer.path, { force: true });
  return new ServerResultFiles(client, dirname(answer.path));
}
