/**
 * A real browser for the HTML report: Debian's `chromium`, headless, offline, driven over the
 * DevTools protocol on a pipe (`--remote-debugging-pipe`: the browser reads commands on fd 3 and
 * writes replies on fd 4, each a JSON message ended by a NUL byte). No npm dependency: the
 * protocol calls used here are few (Page.navigate, Runtime.evaluate, Network events), and a
 * driver library would bring its own browser download.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The browser binary on PATH, or undefined (install: `apt-get install -y chromium`). */
export function findChromium(): string | undefined {
  if (process.env.FLIGHTREC_CHROMIUM) return process.env.FLIGHTREC_CHROMIUM;
  for (const name of CANDIDATES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/**
 * Flags that keep the browser off the network and quiet: no background services, no component or
 * safe-browsing updates, and every request that would leave anyway sent to a proxy that refuses.
 */
export const OFFLINE_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
  '--disable-extensions', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
  '--disable-breakpad', '--metrics-recording-only', '--mute-audio', '--disable-dev-shm-usage',
  '--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions,AutofillServerCommunication',
  '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>',
];

export interface CdpEvent {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly sessionId?: string;
}

export interface Browser {
  /** Send a DevTools command (to a page session when sessionId is given) and wait for its result. */
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<T>;
  /** Every event received so far. */
  readonly events: CdpEvent[];
  /** Resolve with the next event of this name (and session) after now. */
  waitFor(method: string, sessionId?: string): Promise<CdpEvent>;
  close(): Promise<void>;
}

export async function launchChromium(binary: string, opts: { width?: number; height?: number } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'flightrec-chromium-'));
  const child: ChildProcess = spawn(binary, [
    ...OFFLINE_FLAGS, `--user-data-dir=${profile}`, `--window-size=${opts.width ?? 1280},${opts.height ?? 900}`,
    '--remote-debugging-pipe', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  child.stderr!.resume(); // chromium logs D-Bus noise there; keep the pipe drained
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  const events: CdpEvent[] = [];
  const waiters: { method: string; sessionId?: string; resolve: (e: CdpEvent) => void }[] = [];
  let buffer = '';
  fromBrowser.setEncoding('utf8');
  fromBrowser.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buffer.slice(0, end)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      buffer = buffer.slice(end + 1);
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p?.resolve(msg.result);
      } else if (msg.method) {
        const ev: CdpEvent = { method: msg.method, params: msg.params ?? {}, sessionId: msg.sessionId };
        events.push(ev);
        for (let i = waiters.length - 1; i >= 0; i--) {
          const w = waiters[i]!;
          if (w.method === ev.method && (w.sessionId === undefined || w.sessionId === ev.sessionId)) {
            waiters.splice(i, 1);
            w.resolve(ev);
          }
        }
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`chromium exited during ${p.method}`));
    pending.clear();
  });
  const browser: Browser = {
    events,
    send(method, params = {}, sessionId) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
        toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
      });
    },
    waitFor(method, sessionId) {
      return new Promise((resolve) => waiters.push({ method, sessionId, resolve }));
    },
    async close() {
      await browser.send('Browser.close').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
    },
  };
  return browser;
}

export interface OpenedPage {
  readonly sessionId: string;
  /** Milliseconds from Page.navigate to the load event, as this process measured it. */
  readonly loadMs: number;
  /** Evaluate an expression in the page (DevTools evaluation is not subject to the page's CSP). */
  evaluate<T>(expression: string): Promise<T>;
}

/** Open a new tab with the network domain on (so requests are recorded), navigate, and wait for load. */
export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const { targetId } = await browser.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
  await browser.send('Page.enable', {}, sessionId);
  await browser.send('Network.enable', {}, sessionId);
  await browser.send('Log.enable', {}, sessionId);
  await browser.send('Runtime.enable', {}, sessionId);
  const loaded = browser.waitFor('Page.loadEventFired', sessionId);
  const started = performance.now();
  await browser.send('Page.navigate', { url }, sessionId);
  await loaded;
  const loadMs = performance.now() - started;
  return {
    sessionId,
    loadMs,
    async evaluate<T>(expression: string): Promise<T> {
      const r = await browser.send<{ result: { value?: T }; exceptionDetails?: { text: string } }>('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
      if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
      return r.result.value as T;
    },
  };
}
