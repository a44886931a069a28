/**
 * `npm start` (flightrec demo) end to end in a temp dir on free ports: it replays the workload
 * through OTLP, reports the findings of exactly the bad sessions, prints next commands that work
 * against the data it wrote, keeps serving until SIGINT, and fails clearly on a busy port.
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectionTitle } from '../review/detections.ts';
import { scenarios } from '../workload/scenarios.ts';
import { runCli, startCli } from '../tools/run-cli.ts';
import { tempDir } from '../tools/temp-dir.ts';

const dir = tempDir('flightrec-demo-');
afterAll(() => dir.cleanup());

const bad = scenarios.filter((s) => s.expect.length > 0);
const good = scenarios.filter((s) => s.expect.length === 0);

describe('flightrec demo', () => {
  it('--exit: replays the workload and reports the findings of the bad sessions only', async () => {
    const r = await runCli(['demo', '--exit', '--data-dir', join(dir.path, 'a'), '--otlp-port', '0', '--query-port', '0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const spans = /Replayed (\d+) sessions of \d+ agents \((\d+) spans\) through OTLP\/HTTP in \d+ ms; (\d+) spans are in the store/.exec(r.stdout);
    expect(spans).not.toBeNull();
    expect(Number(spans![1])).toBe(scenarios.length);
    expect(spans![3]).toBe(spans![2]);
    expect(r.stdout).toContain(`in ${bad.length} of ${scenarios.length} sessions`);
    // Each bad session's findings are listed under its session id, with the titles of its detections.
    const blocks = r.stdout.split('\n\n');
    for (const s of bad) {
      const titles = blocks.filter((b) => new RegExp(`\\s${s.key}-[0-9a-f]{6}\\n`).test(b)).map((b) => /^[A-Z]+\s+(.+?)\s{2,}/.exec(b.trim())?.[1]);
      expect(new Set(titles), s.key).toEqual(new Set(s.expect.map(detectionTitle)));
    }
    expect(r.stdout).toMatch(new RegExp(`No findings in ${good.length} sessions: ${good.map((s) => `${s.key}-[0-9a-f]{6}`).join(', ')}`));
    expect(r.stdout).not.toContain('earlier runs');
  });

  it('keeps serving, and every next command it prints works against the data it wrote', async () => {
    const child = startCli(['demo', '--data-dir', join(dir.path, 'b'), '--otlp-port', '0', '--query-port', '0']);
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('Ctrl-C to stop')) resolve();
      });
      child.on('close', (code) => reject(new Error(`demo exited early (${code}): ${stdout}`)));
    });
    const commands = stdout.split('\n').filter((l) => l.startsWith('  npm run flightrec -- ')).map((l) => l.replace('  npm run flightrec -- ', '').split(' '));
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const results = await Promise.all(commands.map((args) => runCli(args, { cwd: dir.path })));
    results.forEach((r, i) => {
      expect(r.code, commands[i]!.join(' ')).toBe(0);
      expect(r.stderr, commands[i]!.join(' ')).toBe('');
      expect(r.stdout, commands[i]!.join(' ')).not.toMatch(/\(no rows\)|^\[\]$|No detection fired/m);
    });
    const exitCode = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exitCode).toBe(0);
    expect(stdout).toContain('flightrec keeps serving');
  });

  it('a busy port: one line naming the flag to change it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const otlp = await runCli(['demo', '--exit', '--data-dir', join(dir.path, 'c'), '--otlp-port', String(port), '--query-port', '0']);
      expect(otlp.code).toBe(2);
      expect(otlp.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(otlp.stderr).toMatch(new RegExp(`port ${port} \\(OTLP/HTTP\\) is already in use.*--otlp-port`));
      const query = await runCli(['demo', '--exit', '--data-dir', join(dir.path, 'c'), '--otlp-port', '0', '--query-port', String(port)]);
      expect(query.code).toBe(2);
      expect(query.stderr).toMatch(new RegExp(`port ${port} \\(ClickHouse HTTP\\) is already in use.*--query-port`));
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
