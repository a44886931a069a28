/**
 * The JSON Lines record built by ClickHouse itself, as one String per row: the store formats the
 * records on its own threads, and this process only hashes and writes them. It produces the same
 * bytes as the JavaScript encoder (record-formats.ts) — members in sorted order, the same
 * escaping — for every record whose text is printable ASCII without `\u` escapes. ClickHouse
 * writes control characters as `\u001F` where RFC 8785 wants `\u001f`, escapes U+2028/U+2029, and
 * sorts map keys by bytes rather than UTF-16 units, so the exporter re-canonicalises any line
 * outside that set in JavaScript (see needsRecanonicalising); a test checks both paths agree.
 */
import { isAscii } from 'node:buffer';
import { Flightrec } from '../instrumentation/semconv.ts';
import { RECORD_FIELDS, type ContentMode } from './audit-record.ts';
import { HASHED_ATTRIBUTES_SQL, HASHED_KEYS_JSON_SQL, sqlLiteral as lit } from './content-sql.ts';

/** With content `hashes`, the query needs the parameters of content-sql.ts contentHashParams. */
export function recordLineSql(content: ContentMode): string {
  const attrs = content === 'hashes' ? HASHED_ATTRIBUTES_SQL : 'SpanAttributes';
  const hashed = content === 'hashes' ? HASHED_KEYS_JSON_SQL : `'[]'`;
  const removed = `toJSONString(arraySort(arrayDistinct(arrayFilter(x -> x != '', arrayMap(x -> trimBoth(x), splitByChar(',', SpanAttributes[${lit(Flightrec.redactedKeys)}]))))))`;
  const value: Record<string, string> = {
    v: `'1'`,
    time: `toJSONString(concat(replaceOne(toString(Timestamp, 'UTC'), ' ', 'T'), 'Z'))`,
    session: 'toJSONString(SessionId)',
    trace_id: 'toJSONString(TraceId)',
    span_id: 'toJSONString(SpanId)',
    parent_span_id: 'toJSONString(ParentSpanId)',
    span_name: 'toJSONString(SpanName)',
    span_kind: 'toJSONString(toString(SpanKind))',
    service: 'toJSONString(toString(ServiceName))',
    record: 'toJSONString(Record)',
    step: 'toJSONString(Step)',
    operation: 'toJSONString(Operation)',
    agent: 'toJSONString(Agent)',
    actor: 'toJSONString(Actor)',
    channel: 'toJSONString(Channel)',
    tool: 'toJSONString(Tool)',
    model: 'toJSONString(Model)',
    effect: 'toJSONString(Effect)',
    target_system: 'toJSONString(TargetSystem)',
    target_resource: 'toJSONString(TargetResource)',
    risk: 'toJSONString(Risk)',
    reversible: 'toJSONString(Reversible)',
    idempotency_key: 'toJSONString(IdempotencyKey)',
    verdict: 'toJSONString(Verdict)',
    policy_rule: 'toJSONString(PolicyRule)',
    approval_status: 'toJSONString(ApprovalStatus)',
    approver: 'toJSONString(Approver)',
    outcome: 'toJSONString(Outcome)',
    is_error: `if(IsError = 1, 'true', 'false')`,
    error_type: 'toJSONString(ErrorType)',
    status_code: 'toJSONString(toString(StatusCode))',
    status_message: 'toJSONString(StatusMessage)',
    duration_ns: 'toJSONString(toString(Duration))',
    content_sha256: 'toJSONString(ContentSha256)',
    arguments_sha256: 'toJSONString(ArgumentsSha256)',
    attributes: `toJSONString(mapSort(${attrs}))`,
    redaction: `concat('{"content":"${content}","hashed":', ${hashed}, ',"removed":', ${removed}, '}')`,
  };
  const parts: string[] = [];
  [...RECORD_FIELDS].sort().forEach((f, i) => {
    parts.push(lit(`${i === 0 ? '{' : ','}"${f}":`), value[f]!);
  });
  parts.push(`'}'`);
  return `concat(${parts.join(', ')})`;
}

/**
 * Settings the query of recordLineSql needs: ClickHouse's JSON escapes '/' as `\/` by default, RFC
 * 8785 (and the JavaScript encoder) writes it as is, and such a line is all ASCII, so it would not
 * be re-canonicalised.
 */
export const RECORD_LINE_SETTINGS = { output_format_json_escape_forward_slashes: 0 } as const;

const BACKSLASH_U = Buffer.from('\\u');

/**
 * True when ClickHouse's text for these record bytes (one record, or several lines of them) may
 * differ from RFC 8785 (see the module comment): any byte outside ASCII, or a `\u` escape. Raw
 * control characters cannot occur: toJSONString escapes every byte below 0x20, and the rest of a
 * line is this module's printable constants. Both tests are native scans (SIMD ASCII check,
 * memmem), so a whole page of lines is cleared at once.
 */
export function needsRecanonicalising(bytes: Buffer): boolean {
  return !isAscii(bytes) || bytes.includes(BACKSLASH_U);
}
