import { readFileSync, statSync } from 'node:fs';
import type { QueryUser } from '../access/users.ts';

/**
 * Secrets of `flightrec up` from the environment. Each may come from a file named by the same
 * variable with `_FILE` appended (preferred: the value never sits in the environment, which child
 * processes inherit and /proc/<pid>/environ shows to the same OS user); the file must not be
 * readable by group or others (mode 0600 or 0400). The variables are removed from process.env
 * once read, so nothing started later inherits them. (The process's original environment block,
 * /proc/self/environ, still holds plain variables: the kernel keeps it as it was at exec.)
 */
export class SecretFileError extends Error {}

export function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env[`${name}_FILE`];
  const plain = env[name];
  delete env[`${name}_FILE`];
  delete env[name];
  if (file) {
    if (plain) throw new SecretFileError(`set ${name} or ${name}_FILE, not both`);
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch (err) {
      throw new SecretFileError(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if ((mode & 0o077) !== 0) throw new SecretFileError(`${name}_FILE: ${file} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (!value) throw new SecretFileError(`${name}_FILE: ${file} is empty`);
    return value;
  }
  return plain || undefined;
}

/**
 * Query users of the embedded server from the environment:
 * FLIGHTREC_READER_PASSWORD (user `reader`), FLIGHTREC_WRITER_PASSWORD (user `writer`),
 * FLIGHTREC_EXPORTER_PASSWORD (user `exporter`, read-only), each also as `…_FILE`.
 * None set: anonymous read-only access (on loopback only; see server/embedded-server.ts).
 */
export function usersFromEnv(env: NodeJS.ProcessEnv = process.env): QueryUser[] {
  const users: QueryUser[] = [];
  const reader = secretFromEnv('FLIGHTREC_READER_PASSWORD', env);
  const exporter = secretFromEnv('FLIGHTREC_EXPORTER_PASSWORD', env);
  const writer = secretFromEnv('FLIGHTREC_WRITER_PASSWORD', env);
  if (reader) users.push({ name: 'reader', password: reader, role: 'reader' });
  if (exporter) users.push({ name: 'exporter', password: exporter, role: 'reader' });
  if (writer) users.push({ name: 'writer', password: writer, role: 'writer' });
  return users;
}

/** FLIGHTREC_INGEST_TOKEN (or FLIGHTREC_INGEST_TOKEN_FILE): the bearer token OTLP senders must present. */
export function ingestTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return secretFromEnv('FLIGHTREC_INGEST_TOKEN', env);
}
