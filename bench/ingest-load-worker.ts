/**
 * Load generator for bench/ingest-throughput.ts, in its own thread so the clients do not share
 * the receiver's event loop: `clients` keep-alive connections POST pre-encoded protobuf bodies
 * until `requests` have been answered; retryable refusals are sent again, as an exporter would.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, bodies, clients, requests } = workerData as { url: string; bodies: Uint8Array[]; clients: number; requests: number };
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const statuses: Record<string, number> = {};

function post(body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let next = 0;
async function client(): Promise<void> {
  while (next < requests) {
    const body = bodies[next++ % bodies.length]!;
    let status = await post(body);
    while (status === 429 || status === 503) {
      statuses[status] = (statuses[status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 50));
      status = await post(body);
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
}

const start = performance.now();
await Promise.all(Array.from({ length: clients }, client));
parentPort!.postMessage({ elapsedMs: performance.now() - start, statuses });
agent.destroy();
