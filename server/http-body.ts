/**
 * Small HTTP helpers shared by the OTLP receiver and the ClickHouse HTTP interface.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { BadRequestError } from '../receiver/decode-request.ts';

/** Read a request body, refusing (413) as soon as it passes maxBytes rather than buffering it all. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      // Refuse before reading a byte; the caller answers with Connection: close.
      reject(new BadRequestError(`body is ${declared} bytes, over the ${maxBytes}-byte limit`, 413));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(new BadRequestError(`body is over the ${maxBytes}-byte limit (streamed without a Content-Length)`, 413));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

export function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Undo Content-Encoding, refusing to inflate past maxBytes (a gzip bomb is an oversize body). */
export function decompress(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, { maxOutputLength: maxBytes });
    if (enc === 'deflate') return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new BadRequestError(`decompressed body is over the ${maxBytes}-byte limit`, 413);
    throw new BadRequestError(`body is not valid ${enc}: ${(err as Error).message}`);
  }
  throw new BadRequestError(`unsupported Content-Encoding ${JSON.stringify(contentEncoding)}: send gzip, deflate or none`, 415);
}
