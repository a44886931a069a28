/** Worker thread: hashes the chunk files it is sent (see chunk-hasher-pool.ts). */
import { parentPort } from 'node:worker_threads';
import { hashChunk } from './hash-chunk.ts';
import type { RecordFormat } from './record-formats.ts';

parentPort!.on('message', (job: { id: number; path: string; format: RecordFormat }) => {
  hashChunk(job.path, job.format).then(
    (r) => {
      // A copy that owns its whole ArrayBuffer, so it can be transferred rather than cloned.
      const leaves = new Uint8Array(r.leaves).buffer;
      parentPort!.postMessage({ id: job.id, sha256: r.sha256, bytes: r.bytes, leaves }, [leaves]);
    },
    (err: Error) => parentPort!.postMessage({ id: job.id, error: err.message }),
  );
});
