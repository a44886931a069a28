/**
 * An OTLP trace request body (decompressed) → a decoded request object, for either encoding the
 * spec defines; the generic path of otlp-request.ts.
 */
import { ExportTraceServiceRequest } from './otlp-proto-schema.ts';
import type { LooseTraceRequest } from './span-rows.ts';

export type OtlpEncoding = 'json' | 'protobuf';

/** A client error: the body can never succeed as sent (answered with a 4xx, never retried). */
export class BadRequestError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

const LONG_INT_VALUE = /"intValue"\s*:\s*-?\d{16}/;

function keepIntValueSource(this: unknown, key: string, value: unknown, context?: { source?: string }): unknown {
  return key === 'intValue' && typeof value === 'number' && context?.source !== undefined ? context.source : value;
}

export function decodeRequest(body: Buffer, encoding: OtlpEncoding): LooseTraceRequest {
  if (encoding === 'json') {
    let parsed: unknown;
    try {
      const text = body.toString('utf8');
      // An intValue sent as a JSON number past 2^53 would lose digits in a JS number; pdata reads it
      // exactly, so take such numbers from their source text (the check keeps ordinary bodies on the fast parse).
      parsed = LONG_INT_VALUE.test(text) ? JSON.parse(text, keepIntValueSource) : JSON.parse(text);
    } catch (err) {
      throw new BadRequestError(`body is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadRequestError('body is not an OTLP ExportTraceServiceRequest object');
    }
    return parsed as LooseTraceRequest;
  }
  try {
    return ExportTraceServiceRequest.decode(body) as unknown as LooseTraceRequest;
  } catch (err) {
    throw new BadRequestError(`body is not a valid OTLP protobuf ExportTraceServiceRequest: ${(err as Error).message}`);
  }
}
