/**
 * `flightrec up` start-up as a boundary (issue 14): the engine does not load a config.xml planted
 * in the working directory; no passwords means no network address; secrets from *_FILE files only
 * when nobody else can read them.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli, startCli } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';
import { spawnSync, type ChildProcess } from 'node:child_process';

const dirs: { path: string; cleanup: () => void }[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
  dirs.forEach((d) => d.cleanup());
});
const dir = (): string => {
  const d = tempDir();
  dirs.push(d);
  return d.path;
};

async function startUp(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcess; queryUrl: string }> {
  const child = startCli(['up', '--otlp-port', '0', '--query-port', '0', ...args], opts);
  children.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`flightrec up exited with ${code}:\n${out}`)));
  });
  return { child, queryUrl: /ClickHouse HTTP:\s+(\S+)/.exec(out)![1]! };
}

// Row 3 of the issue: an executable function declared by a config.xml in the working directory.
const PLANTED = '<clickhouse><user_defined_executable_functions_config>evil_function.xml</user_defined_executable_functions_config></clickhouse>\n';
const EVIL_FUNCTION = '<functions><function><type>executable</type><name>evil_udf</name><return_type>String</return_type>' +
  '<argument><type>UInt64</type></argument><format>TabSeparated</format><command>evil.sh</command></function></functions>\n';
const FIND = "SELECT count() FROM system.functions WHERE name = 'evil_udf'";

it('a config.xml in the working directory is not loaded (a bare chdb session would load it)', async () => {
  const cwd = dir();
  writeFileSync(join(cwd, 'config.xml'), PLANTED);
  writeFileSync(join(cwd, 'evil_function.xml'), EVIL_FUNCTION);
  // The plant works on the engine as such: this is what flightrec must not do.
  const chdb = createRequire(import.meta.url).resolve('chdb');
  const bare = spawnSync(process.execPath, ['-e', `const { Session } = require(${JSON.stringify(chdb)}); const s = new Session(${JSON.stringify(join(cwd, 'bare'))}); process.stdout.write(s.query(${JSON.stringify(FIND)}, 'TSVRaw')); s.close();`], { cwd, encoding: 'utf8' });
  expect(bare.stdout.trim(), bare.stderr).toBe('1');

  const up = await startUp(['--data-dir', join(cwd, 'data')], { cwd });
  const res = await fetch(`${up.queryUrl}/?query=${encodeURIComponent(FIND)}`);
  expect([res.status, await res.text()]).toEqual([200, '0\n']);
  up.child.kill('SIGTERM');
}, 60_000);

it('refuses a network address without passwords, in one line naming how to set them', async () => {
  const r = await runCli(['up', '--data-dir', dir(), '--host', '0.0.0.0', '--otlp-port', '0', '--query-port', '0']);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/without passwords: set FLIGHTREC_READER_PASSWORD/);
  expect(r.stdout).not.toContain('flightrec is up');
});

it('takes a password from a 0600 file, and refuses one others can read', async () => {
  const d = dir();
  const file = join(d, 'reader-password');
  writeFileSync(file, 's3cret-from-file\n');
  chmodSync(file, 0o644);
  const refused = await runCli(['up', '--data-dir', join(d, 'a'), '--otlp-port', '0', '--query-port', '0'], { env: { FLIGHTREC_READER_PASSWORD_FILE: file } });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/FLIGHTREC_READER_PASSWORD_FILE: .* is readable by group or others \(mode 644\); chmod 600 it/);

  chmodSync(file, 0o600);
  const up = await startUp(['--data-dir', join(d, 'b')], { env: { FLIGHTREC_READER_PASSWORD_FILE: file } });
  const auth = (p: string): Record<string, string> => ({ authorization: 'Basic ' + Buffer.from(`reader:${p}`).toString('base64') });
  expect((await fetch(`${up.queryUrl}/?query=SELECT+1`, { headers: auth('s3cret-from-file') })).status).toBe(200);
  expect((await fetch(`${up.queryUrl}/?query=SELECT+1`, { headers: auth('wrong') })).status).toBe(401);
  expect((await fetch(`${up.queryUrl}/?query=SELECT+1`)).status).toBe(401);
  up.child.kill('SIGTERM');
}, 60_000);
