/**
 * Starts the embedded engine (chdb) for a data directory from flightrec's own configuration.
 *
 * Without an explicit one, chdb reads `config.xml` (or `.yaml`) from the process's working
 * directory when it starts — a file anyone who could write there would control (executable
 * functions, dictionaries, users). Within a process, the first session opened on a directory
 * starts the engine with its arguments and later sessions share it, so this session is opened
 * first and held until the store closes. The configuration is empty (`<clickhouse/>`): the
 * engine's built-in defaults, nothing more. It lives in a private directory made for it (mode
 * 0700), which also holds the `config.d/` the engine would merge in: nobody else can add to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';

export interface EngineHandle {
  /** Where the configuration the engine started from is. */
  readonly configFile: string;
  close(): void;
}

export function openEngine(dataDir: string): EngineHandle {
  const dir = mkdtempSync(join(tmpdir(), 'flightrec-engine-'));
  const configFile = join(dir, 'config.xml');
  writeFileSync(configFile, '<clickhouse></clickhouse>\n', { mode: 0o600 });
  let session: Session;
  try {
    session = new Session(dataDir, { connectionArgs: [`--config-file=${configFile}`] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    configFile,
    close() {
      session.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
