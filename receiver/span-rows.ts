/**
 * OTLP ExportTraceServiceRequest (decoded from JSON or protobuf) → `otel_traces` rows, encoded the
 * way the contrib `clickhouse` exporter encodes them, with per-span validation so one bad span
 * never takes the valid spans of its batch down with it.
 */
import { AttributeError, attributesToEntries, firstValue, type AttributeEntries, type LooseKeyValue } from './any-value.ts';
import { spanKindString, statusCodeString } from './otlp-enums.ts';
import { nanosToDateTime64, type OtelTraceRow } from './otel-trace-row.ts';

// Re-exported for the seeding helpers that build rows by hand.
export { nanosToDateTime64, type OtelTraceRow };

type Id = string | Uint8Array | readonly number[] | null | undefined;
type Nanos = string | number | { toString(): string } | null | undefined;

interface LooseSpan {
  traceId?: Id;
  spanId?: Id;
  parentSpanId?: Id;
  traceState?: string;
  name?: string;
  kind?: number | string;
  startTimeUnixNano?: Nanos;
  endTimeUnixNano?: Nanos;
  attributes?: LooseKeyValue[];
  events?: { timeUnixNano?: Nanos; name?: string; attributes?: LooseKeyValue[] }[];
  links?: { traceId?: Id; spanId?: Id; traceState?: string; attributes?: LooseKeyValue[] }[];
  status?: { code?: number | string; message?: string };
}

export interface LooseTraceRequest {
  resourceSpans?: {
    resource?: { attributes?: LooseKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string }; spans?: LooseSpan[] }[];
  }[];
}

export interface RowLimits {
  /** Largest attribute value, in characters, before a span is rejected. */
  readonly maxAttributeValueBytes: number;
  /** Earliest and latest acceptable span start, in Unix nanoseconds. */
  readonly minStartNanos: bigint;
  readonly maxStartNanos: bigint;
}

export const DEFAULT_ROW_LIMITS: RowLimits = {
  maxAttributeValueBytes: 1 << 20,
  // DateTime64(9) holds 1900-01-01 … 2262-04-11; anything before 2000 is a clock or unit bug.
  minStartNanos: 946_684_800_000_000_000n,
  maxStartNanos: 9_214_646_400_000_000_000n,
};

export interface ConversionResult {
  rows: OtelTraceRow[];
  rejectedSpans: number;
  /** The first few rejection reasons, for the partial-success message. */
  errors: string[];
}

export class RequestShapeError extends Error {}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function idToHex(id: Id, bytes: 16 | 8, what: string, required: boolean): string {
  // protobufjs leaves an absent bytes field as its prototype default, an empty plain Array.
  if (id === undefined || id === null || id.length === 0) {
    if (required) throw new AttributeError(`${what} is missing`);
    return '';
  }
  const hex = typeof id === 'string'
    ? id.toLowerCase()
    : (id instanceof Uint8Array ? Buffer.from(id.buffer, id.byteOffset, id.byteLength) : Buffer.from(id as ArrayLike<number>)).toString('hex');
  const re = bytes === 16 ? HEX32 : HEX16;
  if (!re.test(hex)) throw new AttributeError(`${what} must be ${bytes} bytes (${bytes * 2} hex digits), got ${JSON.stringify(hex.slice(0, 40))}`);
  if (/^0+$/.test(hex)) {
    if (required) throw new AttributeError(`${what} is all zeroes, which OTLP defines as invalid`);
    return '';
  }
  return hex;
}

function nanos(v: Nanos, what: string): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  const s = String(v);
  if (!/^\d{1,20}$/.test(s)) throw new AttributeError(`${what} is not an unsigned integer of nanoseconds: ${JSON.stringify(s.slice(0, 40))}`);
  return BigInt(s);
}

/** An event time must fit DateTime64(9); one that does not would fail the whole insert, not just this span. */
function eventNanos(v: Nanos, index: number, limits: RowLimits): bigint {
  const ns = nanos(v, `events[${index}].timeUnixNano`);
  if (ns > limits.maxStartNanos) throw new AttributeError(`events[${index}].timeUnixNano ${ns} is past the year 2262`);
  return ns;
}

function convertSpan(
  span: LooseSpan,
  resource: AttributeEntries,
  serviceName: string,
  scopeName: string,
  scopeVersion: string,
  limits: RowLimits,
): OtelTraceRow {
  if (!span || typeof span !== 'object') throw new AttributeError('span is not an object');
  const traceId = idToHex(span.traceId, 16, 'traceId', true);
  const spanId = idToHex(span.spanId, 8, 'spanId', true);
  const parentSpanId = idToHex(span.parentSpanId, 8, 'parentSpanId', false);
  const start = nanos(span.startTimeUnixNano, 'startTimeUnixNano');
  const end = nanos(span.endTimeUnixNano, 'endTimeUnixNano');
  if (start < limits.minStartNanos || start > limits.maxStartNanos) {
    throw new AttributeError(`startTimeUnixNano ${start} is outside the accepted range (years 2000 to 2262); was it sent in ms or s?`);
  }
  // The exporter would store end - start wrapped around as a UInt64 (a 584-year span); refuse instead.
  if (end < start) throw new AttributeError(`endTimeUnixNano ${end} is before startTimeUnixNano ${start}`);
  const events = Array.isArray(span.events) ? span.events : [];
  const links = Array.isArray(span.links) ? span.links : [];
  return {
    Timestamp: nanosToDateTime64(start),
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parentSpanId,
    TraceState: String(span.traceState ?? ''),
    SpanName: String(span.name ?? ''),
    SpanKind: spanKindString(span.kind),
    ServiceName: serviceName,
    ResourceAttributes: resource,
    ScopeName: scopeName,
    ScopeVersion: scopeVersion,
    SpanAttributes: attributesToEntries(span.attributes, limits.maxAttributeValueBytes),
    Duration: (end - start).toString(),
    StatusCode: statusCodeString(span.status?.code),
    StatusMessage: String(span.status?.message ?? ''),
    'Events.Timestamp': events.map((e, i) => nanosToDateTime64(eventNanos(e?.timeUnixNano, i, limits))),
    'Events.Name': events.map((e) => String(e?.name ?? '')),
    'Events.Attributes': events.map((e) => attributesToEntries(e?.attributes, limits.maxAttributeValueBytes)),
    'Links.TraceId': links.map((l) => idToHex(l?.traceId, 16, 'link traceId', false)),
    'Links.SpanId': links.map((l) => idToHex(l?.spanId, 8, 'link spanId', false)),
    'Links.TraceState': links.map((l) => String(l?.traceState ?? '')),
    'Links.Attributes': links.map((l) => attributesToEntries(l?.attributes, limits.maxAttributeValueBytes)),
  };
}

const MAX_REPORTED_ERRORS = 5;

/**
 * Convert a whole request. Throws RequestShapeError when the request itself is not an OTLP trace
 * request; otherwise returns the valid rows and counts each invalid span as rejected.
 */
export function requestToRows(req: LooseTraceRequest, limits: RowLimits = DEFAULT_ROW_LIMITS): ConversionResult {
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw new RequestShapeError('body is not an OTLP ExportTraceServiceRequest object');
  const resourceSpans = req.resourceSpans ?? [];
  if (!Array.isArray(resourceSpans)) throw new RequestShapeError('resourceSpans must be a list');
  const rows: OtelTraceRow[] = [];
  const errors: string[] = [];
  let rejectedSpans = 0;
  const reject = (count: number, where: string, err: unknown): void => {
    if (!(err instanceof AttributeError) && !(err instanceof RangeError) && !(err instanceof TypeError) && !(err instanceof SyntaxError)) throw err;
    rejectedSpans += count;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(`${where}: ${err.message}`);
  };
  resourceSpans.forEach((rs, ri) => {
    const scopeSpans = Array.isArray(rs?.scopeSpans) ? rs.scopeSpans : [];
    let resource: AttributeEntries;
    try {
      resource = attributesToEntries(rs?.resource?.attributes, limits.maxAttributeValueBytes);
    } catch (err) {
      reject(scopeSpans.reduce((n, ss) => n + (Array.isArray(ss?.spans) ? ss.spans.length : 0), 0), `resourceSpans[${ri}].resource`, err);
      return;
    }
    // The first service.name, as pdata's Map.Get finds it (the exporter's ServiceName).
    const serviceName = firstValue(resource, 'service.name') ?? '';
    scopeSpans.forEach((ss, si) => {
      const spans = Array.isArray(ss?.spans) ? ss.spans : [];
      const scopeName = String(ss?.scope?.name ?? '');
      const scopeVersion = String(ss?.scope?.version ?? '');
      spans.forEach((span, pi) => {
        try {
          rows.push(convertSpan(span, resource, serviceName, scopeName, scopeVersion, limits));
        } catch (err) {
          reject(1, `resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]`, err);
        }
      });
    });
  });
  return { rows, rejectedSpans, errors };
}
