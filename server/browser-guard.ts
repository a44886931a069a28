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

/** Host header values that name this listener (checked only when it listens on loopback). */
export function loopbackHostNames(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** Why a request looks like it came from a web page, or null. */
export function browserRefusal(req: IncomingMessage, ownOrigins: ReadonlySet<string>, allowedHosts: ReadonlySet<string> | null): string | null {
  const origin = req.headers.origin;
  if (origin !== undefined && !ownOrigins.has(origin)) return `requests from web pages (Origin ${JSON.stringify(origin)}) are not accepted`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `requests from web pages (Sec-Fetch-Site ${site}) are not accepted`;
  const host = String(req.headers.host ?? '').toLowerCase();
  if (allowedHosts && !allowedHosts.has(host)) return `Host ${JSON.stringify(host)} is not this server (use ${[...allowedHosts][0]})`;
  return null;
}
