/**
 * The JSON Lines record built by ClickHouse itself, as one String per row: the store formats the
 * records on its own threads, and this process only hashes and writes them. It produces the same
 * bytes as the JavaScript encoder (record-formats.ts) — members in sorted order, the same
 * escaping — for every record whose text is printable ASCII without `\u` escapes. ClickHouse
 * writes control characters as `\u001F` where RFC 8785 wants `\u001f`, escapes U+2028/U+2029, and
 * sorts map keys by bytes rather than UTF-16 units, so the exporter re-canonicalises any line
 * outside that set in JavaScript (see needsRecanonicalising); a test checks both paths agree.
 */
import { Flightrec } from '../instrumentation/semconv.ts';
import { CONTENT_KEYS, RECORD_FIELDS, type ContentMode } from './audit-record.ts';

/** SQL string literal for our own constant strings (attribute keys, field names). */
function lit(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`unexpected character in SQL constant ${JSON.stringify(s)}`);
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function recordLineSql(content: ContentMode): string {
  const contentKeys = `[${[...CONTENT_KEYS].sort().map(lit).join(', ')}]`;
  const attrs = content === 'hashes'
    ? `mapApply((k, v) -> (k, if(has(${contentKeys}, k), concat('sha256:', lower(hex(SHA256(v)))), v)), SpanAttributes)`
    : 'SpanAttributes';
  const hashed = content === 'hashes' ? `toJSONString(arraySort(arrayFilter(k -> has(${contentKeys}, k), mapKeys(SpanAttributes))))` : `'[]'`;
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

/** True when ClickHouse's text for this record may differ from RFC 8785 (see the module comment). */
export function needsRecanonicalising(line: string): boolean {
  return /[^\x20-\x7e]|\\u/.test(line);
}
