/** Worker thread: hashes the chunk files it is sent (see chunk-hasher-pool.ts). */
import { parentPort } from 'node:worker_threads';
import { hashChunk } from './hash-chunk.ts';
import type { RecordFormat } from './record-format.ts';

/** The buffer itself when the view covers all of it (it can then be transferred as it is), else a copy that does. */
function whole(b: Buffer): ArrayBuffer {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b.buffer : new Uint8Array(b).buffer;
}

parentPort!.on('message', (job: { id: number; fd: number; format: RecordFormat; first: number; maxLeaves: number; keep: number }) => {
  hashChunk(job.fd, job.format, job.first, job.maxLeaves, { keep: job.keep }).then(
    (r) => {
      // Buffers that own their whole ArrayBuffer, transferred rather than cloned: nothing is left
      // behind in this thread for its garbage collector to find later.
      const leaves = whole(r.leaves);
      const subtreeRoots = whole(r.subtreeRoots);
      parentPort!.postMessage({ id: job.id, sha256: r.sha256, bytes: r.bytes, records: r.records, leaves, leavesSha256: r.leavesSha256, first: r.first, subtreeSizes: r.subtreeSizes, subtreeRoots }, [leaves, subtreeRoots]);
    },
    (err: Error) => parentPort!.postMessage({ id: job.id, error: err.message }),
  );
});
