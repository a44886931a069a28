/**
 * Span kind and status code strings as the contrib `clickhouse` exporter writes them: pdata's
 * `Kind().String()` / `Code().String()` ('Internal', 'Error'), used since contrib PR #34799 (2024-08).
 * Older exporters wrote 'SPAN_KIND_INTERNAL' / 'STATUS_CODE_ERROR'; saved queries accept both,
 * since users' tables hold whichever their collector wrote.
 */
const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
const STATUS_CODES = ['Unset', 'Ok', 'Error'] as const;
const LEGACY_PREFIX = /^(SPAN_KIND_|STATUS_CODE_)/;

function fromEnum(values: readonly string[], v: number | string | undefined): string {
  if (v === undefined || v === null || v === '') return values[0]!;
  if (typeof v === 'string') {
    if (values.includes(v)) return v;
    // OTLP/JSON may carry the proto enum name; map it onto pdata's form.
    const bare = v.replace(LEGACY_PREFIX, '');
    const legacy = values.find((x) => x.toUpperCase() === bare);
    if (legacy) return legacy;
    v = Number(v);
  }
  // pdata's String() gives '' for an out-of-range enum value.
  return Number.isInteger(v) && v >= 0 && v < values.length ? values[v]! : '';
}

export const spanKindString = (v: number | string | undefined): string => fromEnum(SPAN_KINDS, v);
export const statusCodeString = (v: number | string | undefined): string => fromEnum(STATUS_CODES, v);
