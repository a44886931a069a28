/**
 * flightrec as an installed dependency: `npm pack` (which builds dist/ through prepack), unpack the
 * tarball into a consumer project's node_modules, and use it from there — where Node refuses to
 * strip types, so only the built JavaScript can run. The consumer's other dependencies are links
 * to this checkout's node_modules: the test installs nothing from the network.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tools/temp-dir.ts';
import { startTestServer } from './support/embedded.ts';
import { runOpenClaw } from './support/run-openclaw.ts';
import { startScriptedModel } from '../tools/scripted-model.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.env.npm_execpath;

const dir = tempDir('flightrec-pack-');
const installed = join(dir.path, 'node_modules', 'flightrec');

beforeAll(async () => {
  const npm = NPM ? [process.execPath, [NPM]] as const : ['npm', []] as const;
  const { stdout } = await run(npm[0], [...npm[1], 'pack', '--json', '--pack-destination', dir.path], { cwd: REPO, maxBuffer: 64 << 20 });
  const tarball = (JSON.parse(stdout) as { filename: string }[])[0]!.filename;
  mkdirSync(join(dir.path, 'node_modules'));
  await run('tar', ['xzf', join(dir.path, tarball), '-C', dir.path]);
  await run('mv', [join(dir.path, 'package'), installed]);
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name !== 'flightrec' && !name.startsWith('.')) symlinkSync(join(REPO, 'node_modules', name), join(dir.path, 'node_modules', name));
  }
}, 180_000);

afterAll(() => dir.cleanup());

describe('the packed package', () => {
  it('ships the built code, the saved queries and the binary, not the TypeScript sources or tests', () => {
    expect(existsSync(join(installed, 'dist/instrumentation/index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist/instrumentation/index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'queries/session_timeline.sql'))).toBe(true);
    expect(existsSync(join(installed, 'bin/flightrec.js'))).toBe(true);
    expect(existsSync(join(installed, 'instrumentation/index.ts'))).toBe(false);
    expect(existsSync(join(installed, 'test'))).toBe(false);
  });

  it('imports flightrec/instrumentation from node_modules and records a wrapped tool call', async () => {
    writeFileSync(join(dir.path, 'agent.mjs'), `
      import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
      import * as fr from 'flightrec/instrumentation';
      const exporter = new InMemorySpanExporter();
      const rec = fr.init({ serviceName: 'packed-agent', exporter, tools: { send_email: { effect: 'send', risk: 'high' } } });
      const send = fr.wrapTool(async (to) => ({ id: 'm-' + to }), { name: 'send_email' });
      const r = await send('a@corp.example');
      await rec.forceFlush();
      const s = exporter.getFinishedSpans().find((x) => x.name === 'execute_tool send_email');
      await rec.shutdown();
      console.log(JSON.stringify({ r, effect: s?.attributes['flightrec.effect'], record: s?.attributes['flightrec.record'] }));
    `);
    const { stdout } = await run(process.execPath, ['agent.mjs'], { cwd: dir.path });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ r: { id: 'm-a@corp.example' }, effect: 'send', record: 'touched' });
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    writeFileSync(join(dir.path, 'agent.ts'), `
      import * as fr from 'flightrec/instrumentation';
      const send = fr.wrapTool(async (to: string) => ({ id: 'm-' + to }), { name: 'send_email' });
      const id: Promise<{ id: string }> = send('a@corp.example');
      // @ts-expect-error the wrapper keeps the parameter types
      send(42);
      export { id };
    `);
    writeFileSync(join(dir.path, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2024', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['agent.ts'] }));
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const res = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir.path }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(res.stdout).toBe('');
  });

  it('runs the flightrec binary from node_modules', async () => {
    const { stdout } = await run(process.execPath, [join(installed, 'bin/flightrec.js'), 'queries'], { cwd: dir.path });
    expect(stdout).toContain('session_timeline');
    expect(stdout).toContain('detect_toxic_flow');
  });

  it('ships the OpenClaw plugin compiled (dist/openclaw), and a real OpenClaw turn records through it', async () => {
    const pluginDir = join(installed, 'dist/openclaw');
    expect(JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8')).openclaw.extensions).toEqual(['./plugin.js']);
    expect(JSON.parse(readFileSync(join(pluginDir, 'openclaw.plugin.json'), 'utf8')).id).toBe('flightrec');
    expect(existsSync(join(pluginDir, 'plugin.ts'))).toBe(false);

    const t = await startTestServer();
    const model = await startScriptedModel([{ text: 'Hello from the packed plugin.' }]);
    try {
      const home = join(dir.path, 'openclaw-home');
      const run = await runOpenClaw({ home, modelBaseUrl: model.baseUrl, message: 'Say hello.', pluginConfig: { endpoint: t.server.otlpUrl }, pluginDir });
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      const rs = await t.http.query({ query: "SELECT SpanName, Record FROM flightrec_spans WHERE ScopeName = 'flightrec.openclaw' ORDER BY Timestamp, SpanName", format: 'JSONEachRow' });
      const rows = await rs.json<{ SpanName: string; Record: string }>();
      expect(rows.find((r) => r.SpanName === 'invoke_agent main')).toBeDefined();
      expect(rows.filter((r) => r.Record === 'decided').map((r) => r.SpanName)).toEqual(['chat m1']);
    } finally {
      await model.close();
      await t.stop();
    }
  });
});
