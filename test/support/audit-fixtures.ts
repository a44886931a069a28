/** Hand-made spans with known values, for checking exactly what an audit record carries. */
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseSpanSink } from '../../receiver/clickhouse-span-sink.ts';
import { nanosToDateTime64, type OtelTraceRow } from '../../receiver/span-rows.ts';

export const SECRET_ARGS = '{"to":"ceo@example.com","body":"the merger closes friday"}';
export const SECRET_PROMPT = '[{"role":"user","content":"my card is 4111 1111 1111 1111"}]';

function row(over: Partial<OtelTraceRow> & { at: bigint; attrs: Record<string, string> }): OtelTraceRow {
  const { at, attrs, ...rest } = over;
  return {
    Timestamp: nanosToDateTime64(at),
    TraceId: '0af7651916cd43dd8448eb211c80319c',
    SpanId: 'b7ad6b7169203331',
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'span',
    SpanKind: 'Internal',
    ServiceName: 'mail-agent',
    ResourceAttributes: { 'service.name': 'mail-agent' },
    ScopeName: 'flightrec',
    ScopeVersion: '0.1.0',
    SpanAttributes: attrs,
    Duration: '2500000',
    StatusCode: 'Ok',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...rest,
  };
}

export interface Fixture {
  /** Start of the fixture spans, in Unix nanoseconds. */
  start: bigint;
  rows: OtelTraceRow[];
}

/** Three distinct spans plus an exact duplicate of the first (same time, trace and span id). */
export async function insertFixture(client: ClickHouseClient, start: bigint = BigInt(Date.now() - 600_000) * 1_000_000n): Promise<Fixture> {
  const sendEmail = row({
    at: start + 1_000_000n,
    SpanId: '1111111111111111',
    ParentSpanId: '2222222222222222',
    SpanName: 'execute_tool send_email',
    attrs: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'send_email',
      'gen_ai.agent.name': 'mail-agent',
      'gen_ai.conversation.id': 'sess-1',
      'flightrec.record': 'touched',
      'flightrec.actor': 'user-7',
      'flightrec.effect': 'send',
      'flightrec.target.system': 'smtp',
      'flightrec.target.resource': 'mailto:ceo@example.com',
      'flightrec.risk': 'high',
      'flightrec.policy.verdict': 'require_approval',
      'flightrec.policy.rule': 'external-recipient',
      'flightrec.approval.status': 'approved',
      'flightrec.approval.approver': 'alice@example.com',
      'flightrec.outcome': 'ok',
      'flightrec.arguments.sha256': 'abc123',
      'gen_ai.tool.call.arguments': SECRET_ARGS,
      'flightrec.redacted_keys': 'gen_ai.tool.call.result',
    },
  });
  const chat = row({
    at: start,
    SpanId: '2222222222222222',
    SpanName: 'chat gpt-4o',
    attrs: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.agent.name': 'mail-agent',
      'gen_ai.conversation.id': 'sess-1',
      'gen_ai.request.model': 'gpt-4o',
      'flightrec.record': 'saw',
      'gen_ai.input.messages': SECRET_PROMPT,
    },
  });
  const failed = row({
    at: start + 2_000_000n,
    TraceId: '5b8aa5a2d2c872e8321cf37308d69df2',
    SpanId: '3333333333333333',
    ServiceName: 'billing-agent',
    SpanName: 'execute_tool charge_card',
    StatusCode: 'Error',
    StatusMessage: 'gateway timeout',
    attrs: {
      'gen_ai.tool.name': 'charge_card',
      'gen_ai.agent.name': 'billing-agent',
      'gen_ai.conversation.id': 'sess-2',
      'flightrec.record': 'touched',
      'flightrec.effect': 'payment',
      'flightrec.risk': 'critical',
      'error.type': 'TimeoutError',
    },
  });
  const rows = [chat, sendEmail, failed, { ...sendEmail }];
  await new ClickHouseSpanSink(client).write(rows);
  return { start, rows };
}
