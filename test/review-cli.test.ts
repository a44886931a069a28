/**
 * The review CLI as a user runs it, in its own process, against the embedded server seeded with
 * the bundled workload: listings, formats, incidents, the incident tree and HTML report, and the
 * one-line errors for every kind of bad input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSavedQueries } from '../catalogue/saved-queries.ts';
import type { ReplayedSession } from '../workload/replay.ts';
import { scenarios } from '../workload/scenarios.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { runCli, type CliResult } from '../tools/run-cli.ts';
import { seedWorkload } from './support/seed-workload.ts';
import { tempDir } from '../tools/temp-dir.ts';

let t: TestServer;
let sessions: ReplayedSession[];
let url: string[];
const out = tempDir('flightrec-cli-');

beforeAll(async () => {
  t = await startTestServer();
  sessions = await seedWorkload(t);
  url = ['--url', t.server.queryUrl];
});
afterAll(async () => {
  await t?.stop();
  out.cleanup();
});

const session = (key: string): ReplayedSession => sessions.find((s) => s.key === key)!;

/** A user error: non-zero exit, nothing on stdout, exactly one line on stderr. */
function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

async function freePortThatRefuses(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('flightrec queries / query', () => {
  it('lists every saved query with its parameters', async () => {
    const r = await runCli(['queries']);
    expect(r.code).toBe(0);
    for (const q of loadSavedQueries()) expect(r.stdout).toContain(q.name);
    expect(r.stdout).toContain('--param max_age_seconds=<UInt32> (default 86400)');
    expect(r.stdout).toContain('detection, critical');
    // Incident questions and detections before the dashboard plumbing, which is listed by name only.
    const plumbing = r.stdout.indexOf('Dashboard plumbing');
    expect(r.stdout.indexOf('session_timeline  [')).toBeLessThan(plumbing);
    expect(r.stdout.indexOf('detect_toxic_flow  [')).toBeLessThan(plumbing);
    expect(r.stdout).not.toContain('grafana_var_agent  [');
    expect((await runCli(['queries', '--all'])).stdout).toContain('grafana_var_agent  [');
  });

  it('runs a query with table, json and csv output', async () => {
    const s = session('double-send');
    const [table, json, csv] = await Promise.all(['table', 'json', 'csv'].map((f) => runCli(['query', 'session_effects', '--param', `session=${s.sessionId}`, '--format', f, ...url])));
    expect(table!.code).toBe(0);
    expect(table!.stdout).toMatch(/quote-Q-2211[\s\S]*\(3 rows\)/);
    expect(JSON.parse(json!.stdout).map((r: { Action: string }) => r.Action)).toEqual(['send_email', 'send_email', 'slack_reply']);
    const lines = csv!.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Timestamp,TraceId,SpanId,Action,Effect/);
    expect(lines).toHaveLength(4);
  });

  it('fills from/to of a time-windowed query from --since', async () => {
    const r = await runCli(['query', 'detect_toxic_flow', '--since', '24h', '--format', 'json', ...url]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { SessionId: string }) => x.SessionId)).toEqual([session('injected-exfil').sessionId]);
    const none = await runCli(['query', 'detect_toxic_flow', '--since', '1m', '--format', 'json', ...url]);
    expect(JSON.parse(none.stdout)).toEqual([]);
  });

  it('unknown query, missing or mistyped parameter, bad format: one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['query', 'no_such_query'], /unknown query "no_such_query".*`flightrec queries` lists them/],
      [['query', 'session_timelin'], /unknown query "session_timelin"; did you mean session_timeline\?/],
      [['query', 'session_timeline'], /needs --param session=<String>/],
      [['query', 'session_timeline', '--param', 'session=x', '--param', 'limit=lots'], /parameter limit must be UInt32: not a whole number/],
      [['query', 'session_timeline', '--param', 'session=x', '--param', 'colour=red'], /has no parameter colour/],
      [['query', 'detect_runaway', '--param', 'from=yesterday', '--param', 'to=now'], /parameter from must be DateTime64\(3\)/],
      [['query', 'overview', '--format', 'xml'], /--format must be one of table, json, csv/],
      [['query', 'overview', '--since', 'forever'], /--since takes a duration like 15m, 24h or 7d/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli([...args, ...url])));
    results.forEach((r, i) => {
      expectOneLineError(r, cases[i]![1]);
      expect(r.code).toBe(2);
    });
    // Checked by the server, not the CLI: still one line and a non-zero exit.
    expectOneLineError(await runCli(['query', 'detect_unapproved_risky_action', '--param', 'min_risk=severe', ...url]), /min_risk must be low, medium, high or critical/);
  });

  it('an unreachable server: one line naming the URL and how to fix it', async () => {
    const port = await freePortThatRefuses();
    const cmds = [['query', 'overview'], ['incidents'], ['incident', 'abc']];
    for (const r of await Promise.all(cmds.map((cmd) => runCli([...cmd, '--url', `http://127.0.0.1:${port}`])))) {
      expectOneLineError(r, new RegExp(`cannot reach the flightrec store at http://127.0.0.1:${port}.*--url.*--data-dir DIR \\(\`flightrec up\`'s default: \\.flightrec/data\\)`));
      expect(r.code).toBe(2);
    }
  });
});

describe('flightrec incidents / incident', () => {
  it('lists every finding, most severe first, then in time order; the hint names the worst and keeps --url', async () => {
    const r = await runCli(['incidents', '--since', '24h', '--format', 'json', ...url]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { Time: string; Severity: string; SessionId: string; Detection: string }[];
    const rank = (sev: string): number => ['critical', 'high', 'medium', 'low'].indexOf(sev);
    const order = rows.map((x) => `${rank(x.Severity)} ${x.Time}`);
    expect(order).toEqual([...order].sort());
    expect(rows[0]!.Severity).toBe('critical');
    // JSON keeps the store's instant, in UTC with the zone written.
    expect(rows[0]!.Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const bad = scenarios.filter((s) => s.expect.length > 0);
    expect(new Set(rows.map((x) => x.SessionId))).toEqual(new Set(bad.map((s) => session(s.key).sessionId)));
    for (const s of bad) {
      const fired = new Set(rows.filter((x) => x.SessionId === session(s.key).sessionId).map((x) => x.Detection));
      expect([...fired].sort(), s.key).toEqual([...s.expect].sort());
    }
    const text = await runCli(['incidents', ...url]);
    expect(text.stdout).toMatch(/^\d+ findings in the last 24h, most severe first:\n\nCRITICAL toxic flow {16}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC/);
    const hint = text.stdout.trimEnd().split('\n').at(-1)!;
    const exfil = session('injected-exfil').sessionId;
    expect(hint).toBe(`Worst: CRITICAL toxic flow in ${exfil}. Review it: flightrec incident ${exfil} --url ${t.server.queryUrl}`);
    // The hint works as printed.
    const followed = await runCli(hint.replace(/^.*Review it: flightrec /, '').split(' '));
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(`Session ${exfil}`);
    const quiet = await runCli(['incidents', '--since', '1m', ...url]);
    expect(quiet.stdout).toBe('No detection fired in the last 1m.\n');
  });

  it('shows one session as an indented saw/decided/touched tree with its findings', async () => {
    const s = session('injected-exfil');
    const r = await runCli(['incident', s.sessionId, ...url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Session ${s.sessionId}`);
    expect(r.stdout).toMatch(/Findings \(1\)\n {2}CRITICAL toxic flow/);
    const lines = r.stdout.split('\n');
    const root = lines.find((l) => l.includes('AGENT   invoke_agent mail-agent'))!;
    const denied = lines.find((l) => l.includes('DECIDED policy send_email: DENY'))!;
    expect(denied).toContain('✗ denied');
    expect(denied).toContain('◀ toxic flow');
    const indent = (l: string): number => l.replace(/^\s*\+[\d.]+s/, '').search(/\S/);
    expect(indent(denied)).toBeGreaterThan(indent(root));
    expect(lines.filter((l) => / {2}SAW /.test(l))).toHaveLength(3);
    expect(r.stdout).toMatch(/External effects \(1\)\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC {2}slack_reply send → slack:D05SALES/);
    // What was seen, with where it came from, its trust and sensitivity.
    expect(lines.find((l) => / {2}SAW {5}web /.test(l))).toContain('web https://partners.acme-reseller.example/q4 · trust untrusted · sensitivity public');
    expect(lines.find((l) => / {2}SAW {5}tool_result /.test(l))).toContain('crm://customers?fields=name,email,phone · trust trusted · sensitivity pii');
    // Policy: rule, verdict and reason.
    expect(denied).toContain('rule no-pii-to-external-recipients · reason: recipient');
    // Reversibility in three states.
    expect(lines.find((l) => l.includes('TOUCHED slack_reply'))).toContain('· irreversible ·');
    expect(lines.find((l) => l.includes('TOUCHED fetch_url'))).toContain('· reversible ·');
    // A trace id finds the same session.
    const byTrace = await runCli(['incident', s.traceIds[0]!, ...url]);
    expect(byTrace.stdout).toContain(`Session ${s.sessionId}`);
  });

  it('writes a self-contained HTML report', async () => {
    const s = session('branch-delete-retry');
    const file = join(out.path, 'report.html');
    const r = await runCli(['incident', s.sessionId, '--html', file, ...url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`HTML report written to ${file}`);
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('denied then retried');
    expect(html).toContain('unapproved risky action');
    expect(html).toContain('github:acme/payments-api#release-2026-11');
    // Every attribute, by key: the policy span's rule among them.
    expect(html).toMatch(/<span class=k>flightrec\.policy\.rule<\/span> protected-branches-need-owner/);
    // Self-contained: no scripts, stylesheets or images fetched from anywhere, and a policy that allows none.
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!partners)[^"<\s]*\.(css|js)/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src 'none'; form-action 'none'; base-uri 'none'">/);
    // The verdict comes first; every in-page link has its target; resource attributes are written once.
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('id="findings"'));
    expect(html).toContain('<span class="irreversible">irreversible</span> run_shell execute');
    const ids = new Set([...html.matchAll(/ id="?([^"\s>]+)/g)].map((m) => m[1]));
    const links = [...html.matchAll(/href="?#([^"\s>]+)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(20);
    expect(links.filter((l) => !ids.has(l))).toEqual([]);
    expect(html.match(/"service\.name"/g)).toHaveLength(1);
  });

  it('puts a verdict first: what happened, severity, agent, when, what was touched (irreversible first), policy and approval', async () => {
    const exfil = await runCli(['incident', session('injected-exfil').sessionId, ...url]);
    const verdict = exfil.stdout.split('\n\n')[1]!;
    expect(verdict).toMatch(/^Verdict {2}CRITICAL — toxic flow\n {2}mail-agent took in untrusted content and sensitive data, then sent or wrote to the outside, or tried to \(toxic flow, critical\)\. It made 1 external effect \(1 irreversible\); policy denied send_email\./);
    expect(verdict).toMatch(/\n {2}agent {4}mail-agent\n {2}when {5}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC, for 12\.5 s\n/);
    expect(verdict).toMatch(/\n {2}touched {2}IRREVERSIBLE slack_reply send → slack:D05SALES · ok {2}\[[0-9a-f]{16}\]\n/);
    expect(verdict).toMatch(/\n {2}policy {3}send_email: DENY · rule no-pii-to-external-recipients · reason: recipient .* is outside acme\.example and the body holds PII/);
    expect(verdict).toContain('\n  approval no approval recorded');
    const refund = await runCli(['incident', session('partial-refund').sessionId, ...url]);
    const v2 = refund.stdout.split('\n\n')[1]!;
    expect(v2).toMatch(/^Verdict {2}HIGH — partial completion/);
    // The approver was an e-mail address, redacted without a key: said so, not shown as a name.
    expect(v2).toContain('approval issue_refund: APPROVED by a redacted email (no pseudonym: the agent had no redaction key)');
    const clean = await runCli(['incident', session('order-status').sessionId, ...url]);
    expect(clean.stdout.split('\n\n')[1]).toMatch(/^Verdict {2}NO FINDINGS\n {2}No detection fired on this session\./);
  });

  it('an unknown session or a missing argument: one line, non-zero exit; a near id is suggested', async () => {
    expectOneLineError(await runCli(['incident', 'no-such-session', ...url]), /no session or trace "no-such-session" in the store/);
    const typo = session('injected-exfil').sessionId.replace('exfil', 'exfl');
    expectOneLineError(await runCli(['incident', typo, ...url]), new RegExp(`did you mean ${session('injected-exfil').sessionId}\\?`));
    expectOneLineError(await runCli(['incident', ...url]), /which session or trace\?/);
    expectOneLineError(await runCli(['incidents', '--since', '0h', ...url]), /--since must be longer than zero/);
  });
});
