/**
 * An OTLP trace export request's bytes → an insert body in the store's format: the one place that
 * knows which decoder and which writer a request takes, for every transport (OTLP/HTTP, OTLP/gRPC)
 * and every insert format.
 *
 * - OTLP/protobuf into Native (the default, what SDK exporters send): the one-pass decoder writes the
 *   Native block straight from the request bytes (otlp-proto-spans.ts + native-span-writer.ts).
 * - Anything else (OTLP/JSON; protobuf into a text format): decode into a request object
 *   (decode-request.ts), check and convert each span into a row (span-rows.ts), and hand the rows
 *   to the format's writer (row-format.ts). A new insert format is one entry in row-format.ts's
 *   table plus its writer.
 */
import { BadRequestError, decodeRequest, type OtlpEncoding } from './decode-request.ts';
import type { EncodedBatch } from './ingest-queue.ts';
import { protobufToNative } from './native-span-writer.ts';
import { DEFAULT_ROW_FORMAT, encodeRows, type RowFormat } from './row-format.ts';
import { requestToRows, type RowLimits } from './span-rows.ts';

export interface ConvertOptions {
  /** The insert format the store's sink takes (default Native). */
  readonly rowFormat?: RowFormat;
  readonly rowLimits: RowLimits;
}

/** A request converted to an insert batch, with what was rejected from it. */
export interface ConvertedRequest extends EncodedBatch {
  readonly rejectedSpans: number;
  /** The partial-success message when some spans were rejected and some kept, else ''. */
  readonly partial: string;
}

/**
 * Convert one request body (already decompressed). Throws BadRequestError / RequestShapeError for a
 * body that can never succeed, including one whose every span is rejected; an invalid span is
 * rejected on its own and counted.
 */
export function convertRequest(body: Buffer, encoding: OtlpEncoding, opts: ConvertOptions): ConvertedRequest {
  const format = opts.rowFormat ?? DEFAULT_ROW_FORMAT;
  let spans: number;
  let data: Buffer;
  let rejectedSpans: number;
  let errors: string[];
  if (encoding === 'protobuf' && format === 'Native') {
    ({ spans, data, rejectedSpans, errors } = protobufToNative(body, opts.rowLimits));
  } else {
    const converted = requestToRows(decodeRequest(body, encoding), opts.rowLimits);
    ({ rejectedSpans, errors } = converted);
    spans = converted.rows.length;
    data = encodeRows(converted.rows, format);
  }
  if (spans === 0 && rejectedSpans > 0) throw new BadRequestError(`all ${rejectedSpans} spans were rejected: ${errors.join('; ')}`);
  const partial = rejectedSpans > 0 ? `${rejectedSpans} of ${spans + rejectedSpans} spans rejected: ${errors.join('; ')}` : '';
  return { spans, data, format, rejectedSpans, partial };
}
