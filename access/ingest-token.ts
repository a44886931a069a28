/**
 * The OTLP receivers' bearer token, held as its SHA-256 digest only (what comparing needs), and
 * compared in constant time: the token itself is not kept in the process after start.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class IngestToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  /** Whether an `Authorization` header value is `Bearer <this token>`. */
  admits(authorization: string | undefined): boolean {
    const given = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    return timingSafeEqual(digest(given), this.#digest);
  }
}
