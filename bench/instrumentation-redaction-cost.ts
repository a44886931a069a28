/**
 * Redaction cost per KB of content: this checkout's redactor against the redactor of an earlier
 * commit (default: the last commit before the generated rule set), side by side in one run, on
 * the same inputs, interleaved rounds: medians, and the best round of each (on a shared machine
 * other work only ever adds CPU time, so the best round is the steadier figure). The earlier redactor is written out of git into a
 * temporary directory (`git show REV:path`) and imported from there; nothing of it is kept in the
 * repository.
 *
 * Inputs: the 1 KB tool arguments of the other instrumentation benchmarks (one e-mail address),
 * 1 KB of agent prose with an API key, a URL password and a phone number, 16 KB of mixed content,
 * and a 1 KB run of digits and separators (the personal-data rules' worst case).
 *
 *   npx node bench/instrumentation-redaction-cost.ts [--baseline cda0c5d] [--rounds 9]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRedactor } from '../instrumentation/redaction/default-redactor.ts';
import type { Redactor } from '../instrumentation/redaction/redactor.ts';
import { TOOL_ARGS_1KB } from './tool-arguments.ts';

const { values } = parseArgs({ options: { baseline: { type: 'string', default: 'cda0c5d' }, rounds: { type: 'string', default: '9' } } });
const ROUNDS = Number(values.rounds);
const repo = resolve(import.meta.dirname, '..');

async function loadBaseline(rev: string): Promise<Redactor> {
  const dir = mkdtempSync(join(tmpdir(), 'flightrec-redactor-'));
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', rev, 'instrumentation/redaction', 'instrumentation/semconv.ts'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), execFileSync('git', ['show', `${rev}:${f}`], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 }));
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const mod = await import(pathToFileURL(join(dir, 'instrumentation/redaction/default-redactor.ts')).href);
  return mod.createRedactor();
}

const prose1k = ('The deploy agent read the runbook and called the tool with OPENAI_API_KEY=sk-proj-Caqx9vJupc94tnwlavyfErGPmpGXafq0fjzLczbttOofL9H2 ' +
  'then connected to postgres://svc:pw-9f8e7d@db.internal:5432/orders and paged the on-call engineer at +1 415-555-2671. ' +
  'It summarised the incident: the queue backed up after the 14:02 release, 312 jobs were retried, no data was lost. ').repeat(4).slice(0, 1024);
const inputs: Record<string, string> = {
  'tool arguments 1 KB': JSON.stringify(TOOL_ARGS_1KB),
  'agent prose 1 KB': prose1k,
  'mixed 16 KB': (JSON.stringify(TOOL_ARGS_1KB) + prose1k).repeat(8).slice(0, 16384),
  'digits 1 KB': '2026-12-07 10:31:02 order 4711 qty 3 price 19.99 ref 88213-2 '.repeat(20).slice(0, 1024),
};

/** Process CPU time (user + system, so garbage collection counts) per KB: steadier than wall time on a shared machine. */
function perKb(r: Redactor, text: string, n: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) r.redactText(text);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n / (Buffer.byteLength(text) / 1024);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The time budget is wall-clock: on a machine loaded enough to stall this process for 250 ms a
// value would fail closed; the bench measures cost, not the bound, so it sets the budget high.
const current = createRedactor({ timeBudgetMs: 60_000 });
const baseline = await loadBaseline(values.baseline!);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const loadBefore = load();
console.log(`node ${process.version}; this checkout vs ${values.baseline} (CPU µs per KB, median and best of ${ROUNDS} interleaved rounds)`);
console.log(`  ${'input'.padEnd(22)} ${'now'.padStart(9)} ${'before'.padStart(9)} ${'ratio'.padStart(7)} ${'best now'.padStart(9)} ${'best bef.'.padStart(9)} ${'ratio'.padStart(7)}`);
for (const [name, text] of Object.entries(inputs)) {
  const n = Math.max(50, Math.round(2_000_000 / text.length));
  perKb(current, text, n); perKb(baseline, text, n); // warm-up
  const now: number[] = [];
  const before: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2) { now.push(perKb(current, text, n)); before.push(perKb(baseline, text, n)); }
    else { before.push(perKb(baseline, text, n)); now.push(perKb(current, text, n)); }
  }
  const a = median(now);
  const b = median(before);
  const a1 = Math.min(...now);
  const b1 = Math.min(...before);
  console.log(`  ${name.padEnd(22)} ${a.toFixed(2).padStart(9)} ${b.toFixed(2).padStart(9)} ${(a / b).toFixed(2).padStart(6)}× ${a1.toFixed(2).padStart(9)} ${b1.toFixed(2).padStart(9)} ${(a1 / b1).toFixed(2).padStart(6)}×`);
}
console.log(`goal: ≤ 1.5× per KB; load average ${loadBefore} → ${load()}`);
