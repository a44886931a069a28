/**
 * Runs one statement on a chdb session so that an AbortSignal (its client went away) stops it
 * inside the engine, not only the JavaScript promise waiting for it.
 *
 * chdb's single-shot queries have no cancel call (aborting `queryAsync` only settles the promise
 * early; the engine computes on), and its streaming mode cancels only between result chunks, so an
 * aggregate that sends nothing until it ends runs to its time limit. What does stop a running
 * query is the engine's own `KILL QUERY`: every session on a data directory shares one engine and
 * one process list, so a second, unrestricted session of ours can cancel a query in a reader's.
 * The statement is tagged with a leading comment holding a random id (the parser drops comments,
 * the process list keeps the text as sent), and the KILL names exactly that prefix, so it reaches
 * this query and no other. Figures (time to stop, event-loop delay) are in docs/storage.md.
 *
 * `KILL QUERY … SYNC` must not be used here: chdb keeps a finished query in the process list until
 * its session runs another query or closes, so SYNC waits for that and never returns.
 */
import { randomUUID } from 'node:crypto';
import { Session, type ChdbResult } from 'chdb';

export class QueryCancelled extends Error {
  readonly clickhouseCode = 394;
  readonly clickhouseName = 'QUERY_WAS_CANCELLED';
}

export interface CancellableQuery {
  /** The data directory the session is on: the KILL runs in a session of its own there. */
  readonly dataPath: string;
  readonly format: string;
  /** Aborted when the query's client has gone. */
  readonly signal: AbortSignal;
}

/** Waits between KILL attempts while the query has not ended (it may not be in the process list yet). */
const RETRY_MS = [25, 50, 100, 200, 400, 800, 1000];

/**
 * Resolves or rejects only when the engine has finished with the statement: callers may free
 * what the query held (a query slot, its session) once it settles. After an abort it rejects with
 * the engine's own QUERY_WAS_CANCELLED (or whatever ended the query first); when the signal is
 * already aborted, the statement does not start (QueryCancelled).
 */
export async function runCancellable(session: Session, statement: string, q: CancellableQuery): Promise<ChdbResult> {
  if (q.signal.aborted) throw new QueryCancelled('Query was cancelled: its client went away before it started');
  const tag = `/* flightrec-query ${randomUUID()} */`;
  const running = session.queryAsync(`${tag}\n${statement}`, { format: q.format });
  let ended = false;
  const end = running.then(() => { ended = true; }, () => { ended = true; });
  const onAbort = (): void => {
    void (async () => {
      for (let attempt = 0; !ended; attempt++) {
        const found = await kill(q.dataPath, tag);
        // Once the engine has the query marked, it stops at its next check; until then, try again.
        if (found) return;
        await Promise.race([end, new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]))]);
      }
    })().catch(() => {}); // kill() answers false rather than throw; nothing here may take the process down
  };
  q.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await running;
  } finally {
    q.signal.removeEventListener('abort', onAbort);
  }
}

/** KILL QUERY (asynchronous: it marks the query and returns) for the query whose text starts with `tag`; true when it found one. */
async function kill(dataPath: string, tag: string): Promise<boolean> {
  let admin: Session | null = null;
  try {
    admin = new Session(dataPath);
    // `tag` is ours: a comment around a UUID, no quote or backslash in it.
    const rs = await admin.queryAsync(`KILL QUERY WHERE startsWith(query, '${tag}') ASYNC`, { format: 'JSONEachRow' });
    return rs.text().trim().length > 0;
  } catch {
    return false; // tried again while the query runs; max_execution_time remains the backstop
  } finally {
    admin?.close();
  }
}
