/**
 * Query results as files, for a client on the store's own host: the one fact both sides of the
 * query port share. A client that asks with this header (on a read; the file's format given as
 * `default_format`) gets, instead of the rows, a JSON answer naming a new file the engine wrote
 * the rows into on the server's host. The rows then never cross the socket: the audit export
 * through a local `flightrec up` takes its pages this way (docs/audit.md has the figures). A
 * ClickHouse server knows nothing of the header and answers with the rows, which is how a client
 * tells that it is talking to something else.
 */
import { randomUUID } from 'node:crypto';

export const RESULT_FILE_HEADER = 'x-flightrec-result';
export const RESULT_FILE_VALUE = 'file';
/** How the server names a result file: a random UUID, never anything of the client's. */
export const RESULT_FILE_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.result$/;

/** A new name of that form. */
export function newResultFileName(): string {
  return `${randomUUID()}.result`;
}

/** The server's answer to a read asked for as a file. */
export interface ResultFileAnswer {
  /** Absolute path of the file on the server's host; the client moves or removes it when done. */
  readonly path: string;
  readonly bytes: number;
}

/** Parses the answer; null when the body is not one (a server that ignored the header sent rows). */
export function parseResultFileAnswer(body: string): ResultFileAnswer | null {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { path, bytes } = v as Record<string, unknown>;
  if (typeof path !== 'string' || !path.startsWith('/') || typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) return null;
  return { path, bytes };
}
