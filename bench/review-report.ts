/**
 * The incident report at scale: sessions of 1,000 and 10,000 spans (workload/large-session.ts)
 * sent through OTLP into the embedded server, loaded as `flightrec incident --html` does, rendered,
 * and opened in headless Chromium (offline). Prints the HTML size, the render time in the browser
 * (navigation start → load event end, best of 3) and where the verdict
 * sits, side by side with a peer renderer from git (default: main's review/render-html.ts) on the
 * same data in the same run.
 *
 *   npx node bench/review-report.ts [--spans 1000,10000] [--peer-ref main] [--keep DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { init } from '../instrumentation/init.ts';
import { loadIncident, type IncidentReport } from '../review/incident.ts';
import { renderIncidentHtml } from '../review/render-html.ts';
import { startEmbeddedServer } from '../server/embedded-server.ts';
import { findChromium, launchChromium, openPage, type Browser } from '../tools/chromium.ts';
import { largeSession } from '../workload/large-session.ts';
import { replay } from '../workload/replay.ts';

const { values } = parseArgs({ options: { spans: { type: 'string' }, 'peer-ref': { type: 'string' }, keep: { type: 'string' } } });
const sizes = (values.spans ?? '1000,10000').split(',').map(Number);
const peerRef = values['peer-ref'] ?? 'main';

type Render = (report: IncidentReport) => string;

/** The peer renderer: review/render-html.ts as it is at `ref`, written next to the current one so its imports resolve. */
async function loadPeer(ref: string): Promise<{ render?: Render; cleanup: () => void }> {
  const file = join(import.meta.dirname, '..', 'review', `render-html.peer-${process.pid}.ts`);
  try {
    writeFileSync(file, execFileSync('git', ['show', `${ref}:review/render-html.ts`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const mod = (await import(pathToFileURL(file).href)) as { renderIncidentHtml: Render };
    return { render: mod.renderIncidentHtml, cleanup: () => unlinkSync(file) };
  } catch (err) {
    console.error(`peer ${ref}: not loaded (${(err as Error).message.split('\n')[0]})`);
    try { unlinkSync(file); } catch { /* not written */ }
    return { cleanup: () => {} };
  }
}

interface Timing { loadMs: number; verdictTop: number | null; timelineTop: number | null; wallMs: number }

async function timeInBrowser(browser: Browser, file: string): Promise<Timing> {
  let best: Timing | undefined;
  for (let i = 0; i < 3; i++) {
    const page = await openPage(browser, pathToFileURL(file).href);
    const t = await page.evaluate<Omit<Timing, 'wallMs'>>(`(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const top = (id) => { const e = document.getElementById(id); return e ? Math.round(e.getBoundingClientRect().top) : null; };
      return { loadMs: nav.loadEventEnd, verdictTop: top('verdict'), timelineTop: top('timeline') };
    })()`);
    await browser.send('Target.closeTarget', { targetId: (await browser.send<{ targetInfos: { targetId: string; type: string }[] }>('Target.getTargets')).targetInfos.find((x) => x.type === 'page')!.targetId });
    const timing = { ...t, wallMs: page.loadMs };
    if (!best || timing.loadMs < best.loadMs) best = timing;
  }
  return best!;
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'flightrec-report-bench-'));
const server = await startEmbeddedServer({ dataDir: join(dir, 'data'), otlpPort: 0, queryPort: 0 });
const peer = await loadPeer(peerRef);
const chromium = findChromium();
const browser = chromium ? await launchChromium(chromium) : undefined;
if (!chromium) console.error('no chromium on PATH (apt-get install -y chromium): sizes only');
try {
  const fr = init({ serviceName: 'research-agents', endpoint: `${server.otlpUrl}/v1/traces` });
  // One turn (trace) at a time, flushed: the SDK's batch queue holds 2,048 spans and drops the rest.
  const sessions = [];
  for (const scenario of sizes.map((n) => largeSession(n))) {
    for (const t of scenario.turns) {
      replay(fr.tracer, [{ ...scenario, turns: [t] }], { runTag: 'bench' });
      await fr.forceFlush();
    }
    sessions.push({ sessionId: `${scenario.key}-bench` });
  }
  await fr.shutdown();
  await server.ingested();
  const fmt = (n: number | null | undefined, unit = ''): string => (n === null || n === undefined || Number.isNaN(n) ? '—' : `${Math.round(n).toLocaleString('en-US')}${unit}`);
  console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`| spans | renderer | HTML size | Chromium: navigation → load event (best of 3) | verdict top | timeline top | HTML built in Node |`);
  console.log(`| ---: | --- | ---: | ---: | ---: | ---: | ---: |`);
  for (const s of sessions) {
    const report = await loadIncident(server.client, s.sessionId, { attributes: true });
    for (const [name, render] of [['this branch', renderIncidentHtml], [`${peerRef}`, peer.render]] as const) {
      if (!render) continue;
      const t0 = performance.now();
      const html = render(report);
      const renderMs = performance.now() - t0;
      const file = join(dir, `${s.sessionId}-${name.replace(/\W+/g, '_')}.html`);
      writeFileSync(file, html);
      const t = browser ? await timeInBrowser(browser, file) : undefined;
      console.log(`| ${report.spans.length.toLocaleString('en-US')} | ${name} | ${fmt(Buffer.byteLength(html) / 1000, ' kB')} | ${fmt(t?.loadMs, ' ms')} | ${fmt(t?.verdictTop, ' px')} | ${fmt(t?.timelineTop, ' px')} | ${fmt(renderMs, ' ms')} |`);
    }
  }
} finally {
  await browser?.close();
  peer.cleanup();
  await server.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
