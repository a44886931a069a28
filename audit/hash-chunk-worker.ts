/** Worker thread: hashes the chunk files it is sent (see chunk-hasher-pool.ts). */
import { parentPort } from 'node:worker_threads';
import { hashChunk } from './hash-chunk.ts';
import type { RecordFormat } from './record-format.ts';

parentPort!.on('message', (job: { id: number; fd: number; format: RecordFormat; first: number; maxLeaves: number; keep: number }) => {
  hashChunk(job.fd, job.format, job.first, job.maxLeaves, { keep: job.keep }).then(
    (r) => {
      // Copies that own their whole ArrayBuffer, so they can be transferred rather than cloned
      // (small: verify asks for no leaves, only the subtrees' roots).
      const leaves = new Uint8Array(r.leaves).buffer;
      const subtreeRoots = new Uint8Array(r.subtreeRoots).buffer;
      parentPort!.postMessage({ id: job.id, sha256: r.sha256, bytes: r.bytes, records: r.records, leaves, leavesSha256: r.leavesSha256, first: r.first, subtreeSizes: r.subtreeSizes, subtreeRoots }, [leaves, subtreeRoots]);
    },
    (err: Error) => parentPort!.postMessage({ id: job.id, error: err.message }),
  );
});
