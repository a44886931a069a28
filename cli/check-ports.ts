/**
 * Ports `flightrec up` / `demo` will listen on, checked before anything is created: a taken port
 * is one line naming the flag that changes it, and no store directory is made for a server that
 * cannot start. (The listeners themselves still report EADDRINUSE if another process takes the
 * port in the moment between this check and the start; the commands map that to the same line.)
 */
import { createServer } from 'node:net';
import { UsageError } from './command.ts';

export interface PortUse {
  readonly port: number;
  /** What listens there, e.g. "OTLP/HTTP". */
  readonly what: string;
  /** The flag that changes it, e.g. "--otlp-port". */
  readonly flag: string;
}

export function portInUseError(use: PortUse): UsageError {
  return new UsageError(`port ${use.port} (${use.what}) is already in use — is \`flightrec up\` or a demo running? ` +
    `Stop it, or pick another port with ${use.flag} <port> (0 picks a free one)`);
}

function probe(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

/** Throws the one-line error for the first requested port (not 0) that cannot be listened on. */
export async function checkPortsFree(host: string, uses: readonly PortUse[]): Promise<void> {
  for (const use of uses) {
    if (use.port === 0) continue;
    const err = await probe(host, use.port);
    if (err?.code === 'EADDRINUSE') throw portInUseError(use);
    if (err?.code === 'EACCES') throw new UsageError(`port ${use.port} (${use.what}) needs privileges to listen on; pick another with ${use.flag} <port>`);
  }
}

/** Map a listener's EADDRINUSE (a port taken after the check) to the same one line. */
export function asPortError(err: unknown, uses: readonly PortUse[]): unknown {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== 'EADDRINUSE') return err;
  const use = uses.find((u) => u.port === e.port) ?? uses.find((u) => String(e.message).includes(`:${u.port}`));
  return use ? portInUseError(use) : new UsageError(`a port is already in use (${e.message}); pick others with ${uses.map((u) => u.flag).join(', ')}`);
}
