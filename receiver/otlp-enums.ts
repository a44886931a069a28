/**
 * Span kind and status code strings as the contrib `clickhouse` exporter writes them.
 * See docs/storage.md for the exporter version these were read from; saved queries accept both
 * these and pdata's short forms ('Internal', 'Error'), since users' tables hold whichever their
 * collector wrote.
 */
const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

function fromEnum(values: readonly string[], v: number | string | undefined): string {
  if (v === undefined || v === null || v === '') return values[0]!;
  if (typeof v === 'string') {
    if (values.includes(v)) return v;
    v = Number(v);
  }
  // pdata prints an unknown enum number as its decimal; keep that rather than inventing a name.
  return Number.isInteger(v) && v >= 0 && v < values.length ? values[v]! : String(v);
}

export const spanKindString = (v: number | string | undefined): string => fromEnum(SPAN_KINDS, v);
export const statusCodeString = (v: number | string | undefined): string => fromEnum(STATUS_CODES, v);
