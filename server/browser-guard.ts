/**
 * Keeps web pages out of the query port. A page the user opens can send GET and simple POST
 * requests to 127.0.0.1 (cross-site request forgery), or reach it under its own host name after
 * re-pointing that name's DNS at 127.0.0.1 (DNS rebinding). Browsers mark both: a cross-origin
 * request carries `Origin` (and `Sec-Fetch-Site`), a rebound one carries the page's `Host`.
 * Clients that are not browsers (clickhouse-js, clickhouse-go, curl) send neither `Origin` nor a
 * foreign `Host`.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Host names that name this listener when it listens on loopback. The port is not compared: a local
 * port forward or proxy (Grafana's, a test's recorder) reaches the listener under another port, and
 * a rebound page's Host carries the page's own name, which is what gives it away.
 */
export function loopbackHostNames(): Set<string> {
  return new Set(['127.0.0.1', 'localhost', '[::1]']);
}

/** The host part of a Host header (`name`, `name:port`, `[v6]:port`), lower-cased. */
function hostNameOf(header: string): string {
  const h = header.toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Why a request looks like it came from a web page, or null. */
export function browserRefusal(req: IncomingMessage, ownOrigins: ReadonlySet<string>, allowedHosts: ReadonlySet<string> | null): string | null {
  const origin = req.headers.origin;
  if (origin !== undefined && !ownOrigins.has(origin)) return `requests from web pages (Origin ${JSON.stringify(origin)}) are not accepted`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `requests from web pages (Sec-Fetch-Site ${site}) are not accepted`;
  const host = String(req.headers.host ?? '');
  if (allowedHosts && !allowedHosts.has(hostNameOf(host))) return `Host ${JSON.stringify(host)} is not this server (use ${[...allowedHosts].join(' or ')})`;
  return null;
}
