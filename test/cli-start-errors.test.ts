/**
 * Start-up and store-access errors a user can fix, each one line naming the fix: a taken port
 * (the flag that changes it, and nothing created first), a data directory another process has
 * open (for `up` and for a reader given --data-dir: use --url), with none of the engine's own raw
 * lines on stderr.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startUp, type RunningUp } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';

const dir = tempDir('flightrec-start-');
let blocker: Server;
let busyPort: number;
let up: RunningUp;
const held = join(dir.path, 'held');

beforeAll(async () => {
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  busyPort = (blocker.address() as { port: number }).port;
  up = await startUp(['--data-dir', held, '--otlp-port', '0', '--query-port', '0']);
});
afterAll(async () => {
  await up?.stop();
  await new Promise<void>((r) => blocker.close(() => r()));
  dir.cleanup();
});

function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/Code: 76|DB::Exception/);
}

describe('a taken port', () => {
  it.each([
    ['up', '--otlp-port', 'OTLP/HTTP'],
    ['up', '--query-port', 'ClickHouse HTTP'],
    ['up', '--grpc-port', 'OTLP/gRPC'],
    ['demo', '--query-port', 'ClickHouse HTTP'],
  ])('%s %s: one line naming the flag, and no store created', async (command, flag, what) => {
    const data = join(dir.path, `new-${command}-${flag}`);
    const ports: Record<string, string> = { '--otlp-port': '0', '--query-port': '0' };
    ports[flag] = String(busyPort);
    const args = [command, '--data-dir', data, ...Object.entries(ports).flat(), ...(command === 'demo' ? ['--exit'] : [])];
    const r = await runCli(args);
    expectOneLine(r, new RegExp(`port ${busyPort} \\(${what}\\) is already in use.*${flag} <port>`));
    expect(existsSync(data)).toBe(false);
  });
});

describe('a data directory another process has open', () => {
  it('up / demo on it: one line, naming --url and --data-dir', async () => {
    for (const command of ['up', 'demo']) {
      const r = await runCli([command, '--data-dir', held, '--otlp-port', '0', '--query-port', '0']);
      expectOneLine(r, new RegExp(`the store ${held} is already open in process ${up.child.pid} .*--url.*--data-dir`));
    }
  });

  it('a reader given --data-dir: one line saying to use --url', async () => {
    for (const cmd of [['query', 'overview'], ['incidents'], ['incident', 'x']]) {
      const r = await runCli([...cmd, '--data-dir', held]);
      expectOneLine(r, new RegExp(`the store ${held} is open in process ${up.child.pid} .*query through that server with --url`));
    }
    // Through the server it works.
    expect((await runCli(['query', 'overview', '--url', up.queryUrl])).code).toBe(0);
  });
});
