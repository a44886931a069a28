import type { QueryUser } from '../access/users.ts';

/**
 * Query users of the embedded server from the environment:
 * FLIGHTREC_READER_PASSWORD (user `reader`), FLIGHTREC_WRITER_PASSWORD (user `writer`),
 * FLIGHTREC_EXPORTER_PASSWORD (user `exporter`, read-only). None set: anonymous read-only access.
 */
export function usersFromEnv(env: NodeJS.ProcessEnv = process.env): QueryUser[] {
  const users: QueryUser[] = [];
  if (env.FLIGHTREC_READER_PASSWORD) users.push({ name: 'reader', password: env.FLIGHTREC_READER_PASSWORD, role: 'reader' });
  if (env.FLIGHTREC_EXPORTER_PASSWORD) users.push({ name: 'exporter', password: env.FLIGHTREC_EXPORTER_PASSWORD, role: 'reader' });
  if (env.FLIGHTREC_WRITER_PASSWORD) users.push({ name: 'writer', password: env.FLIGHTREC_WRITER_PASSWORD, role: 'writer' });
  return users;
}
