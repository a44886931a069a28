/**
 * The columns of the `flightrec_spans` view, each a ClickHouse expression over an `otel_traces` row.
 *
 * They are computed at read time over the contrib exporter's table, so rows written by the real
 * OpenTelemetry Collector get exactly the same columns as rows written by flightrec's receiver.
 * Where a span comes from another producer (OpenClaw's diagnostics-otel plugin), the fallbacks
 * below map its names onto flightrec's model.
 */
import { Flightrec, GenAI, OpenClaw, OpenInference, Risks } from '../instrumentation/semconv.ts';
import { DEFAULT_OPENCLAW_TOOLS } from '../openclaw/builtin-tools.ts';

/** `SpanAttributes['key']` as SQL; keys come from semconv.ts, never from input. */
export function attr(key: string): string {
  return `SpanAttributes['${key.replace(/'/g, "\\'")}']`;
}

function firstNonEmpty(...exprs: string[]): string {
  // coalesce() skips NULLs, and a missing Map key reads as '' — turn '' into NULL first.
  return `coalesce(${exprs.map((e) => `nullIf(${e}, '')`).join(', ')}, '')`;
}

const riskList = `[${Risks.map((r) => `'${r}'`).join(', ')}]`;

/** Status strings differ by exporter version ('STATUS_CODE_ERROR' or 'Error'); accept both. */
export const IS_ERROR_SQL = `CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error')`;

/**
 * OpenClaw's diagnostics-otel plugin (instrumentation scope `openclaw`) writes no flightrec.* keys;
 * its spans are classified by name and `openclaw.outcome` (span and attribute names as that
 * plugin's source and docs define them; see docs/openclaw.md for the table):
 *   saw      openclaw.message.processed (an inbound message handled), openclaw.context.assembled
 *            (the prompt built for a run), openclaw.skill.used (skill instructions loaded)
 *   decided  openclaw.model.call (and its `chat {model}` / `text_completion {model}` form under
 *            OTEL_SEMCONV_STABILITY_OPT_IN), a tool call with outcome `blocked`, a tool loop the
 *            detector blocked, a run blocked before it started
 *   touched  openclaw.tool.execution, openclaw.message.delivery
 * Runs, usage, exec-process details and health spans stay plumbing (''), as flightrec's own
 * invoke_agent spans do: the exec *tool call* is the touched record, not the process under it.
 */
const isOpenClawScope = `ScopeName = 'openclaw'`;
const ocOutcome = attr(OpenClaw.outcome);
/**
 * The model-call span under OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental, named
 * `{operation} {model}`. openclaw.model.usage carries the same gen_ai.operation.name but is the
 * usage of a call already recorded, so only spans outside the `openclaw.` names count.
 */
const ocRenamedModelCall = `(${isOpenClawScope} AND NOT startsWith(SpanName, 'openclaw.') AND ${attr(GenAI.operationName)} IN ('chat', 'text_completion', 'generate_content'))`;
const openclawRecord = `multiIf(
      SpanName IN ('openclaw.message.processed', 'openclaw.context.assembled', 'openclaw.skill.used'), 'saw',
      SpanName = 'openclaw.tool.execution' AND ${ocOutcome} = 'blocked', 'decided',
      SpanName = 'openclaw.tool.loop' AND ${attr(OpenClaw.loopAction)} = 'block', 'decided',
      SpanName IN ('openclaw.run', 'openclaw.harness.run') AND (${ocOutcome} = 'blocked' OR ${attr(OpenClaw.blockedBy)} != ''), 'decided',
      SpanName = 'openclaw.model.call', 'decided',
      ${ocRenamedModelCall}, 'decided',
      SpanName IN ('openclaw.tool.execution', 'openclaw.message.delivery'), 'touched',
      '')`;

const openclawStep = `multiIf(
      SpanName = 'openclaw.message.processed', 'message_in',
      SpanName IN ('openclaw.context.assembled', 'openclaw.skill.used'), 'context',
      SpanName = 'openclaw.tool.execution' AND ${ocOutcome} = 'blocked', 'policy',
      SpanName = 'openclaw.tool.loop' AND ${attr(OpenClaw.loopAction)} = 'block', 'policy',
      SpanName = 'openclaw.tool.execution', 'tool',
      SpanName = 'openclaw.message.delivery', 'send',
      SpanName = 'openclaw.model.call' OR ${ocRenamedModelCall}, 'model_call',
      '')`;

/**
 * Effect and risk of OpenClaw's built-in tools for diagnostics-otel tool spans, from the same
 * catalogue the flightrec plugin uses (openclaw/builtin-tools.ts), so zero-install data gets them too.
 */
const builtinNames = Object.keys(DEFAULT_OPENCLAW_TOOLS);
const sqlList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x.replace(/'/g, "\\'")}'`).join(', ')}]`;
const ocTool = `${attr(OpenClaw.toolName)}`;
const openclawEffect = `if(SpanName = 'openclaw.message.delivery', 'send', transform(${ocTool}, ${sqlList(builtinNames)}, ${sqlList(builtinNames.map((n) => DEFAULT_OPENCLAW_TOOLS[n]!.effect))}, ''))`;
const openclawRisk = `transform(${ocTool}, ${sqlList(builtinNames)}, ${sqlList(builtinNames.map((n) => DEFAULT_OPENCLAW_TOOLS[n]!.risk))}, '')`;
const riskExpr = firstNonEmpty(attr(Flightrec.risk), openclawRisk);

export interface DerivedColumn {
  readonly name: string;
  readonly sql: string;
  readonly description: string;
}

export const derivedColumns: readonly DerivedColumn[] = [
  { name: 'SessionId', sql: firstNonEmpty(attr(GenAI.conversationId), attr(Flightrec.sessionId), attr('openclaw.sessionKey'), attr(OpenInference.sessionId), attr(OpenClaw.sessionId), 'TraceId'), description: 'conversation / session id; the trace id when the span names none' },
  { name: 'Record', sql: firstNonEmpty(attr(Flightrec.record), openclawRecord), description: 'saw | decided | touched, or empty for plumbing spans' },
  { name: 'Step', sql: firstNonEmpty(attr(Flightrec.step), openclawStep), description: 'kind of step within the record' },
  { name: 'Operation', sql: firstNonEmpty(attr(GenAI.operationName), `if(SpanName = 'openclaw.tool.execution', 'execute_tool', '')`), description: 'gen_ai.operation.name' },
  { name: 'Agent', sql: firstNonEmpty(attr(GenAI.agentName), `ResourceAttributes['${GenAI.agentName}']`, attr(GenAI.agentId), attr(OpenClaw.agent), 'ServiceName'), description: 'agent name, else the service' },
  { name: 'Actor', sql: attr(Flightrec.actor), description: 'who asked (user, channel sender) or who approved' },
  { name: 'Channel', sql: firstNonEmpty(attr(Flightrec.channel), attr('openclaw.channel')), description: 'inbound/outbound channel' },
  { name: 'Tool', sql: firstNonEmpty(attr(GenAI.toolName), attr('openclaw.toolName')), description: 'gen_ai.tool.name' },
  { name: 'Model', sql: firstNonEmpty(attr(GenAI.responseModel), attr(GenAI.requestModel), attr(OpenClaw.model)), description: 'model used' },
  { name: 'InputTokens', sql: `toUInt64OrZero(${attr(GenAI.usageInputTokens)})`, description: 'gen_ai.usage.input_tokens' },
  { name: 'OutputTokens', sql: `toUInt64OrZero(${attr(GenAI.usageOutputTokens)})`, description: 'gen_ai.usage.output_tokens' },
  { name: 'SourceKind', sql: attr(Flightrec.sourceKind), description: 'where context came from' },
  { name: 'Trust', sql: attr(Flightrec.sourceTrust), description: 'trusted | untrusted' },
  { name: 'Sensitivity', sql: attr(Flightrec.sourceSensitivity), description: 'public … secret, pii' },
  { name: 'ContentSha256', sql: attr(Flightrec.contentSha256), description: 'SHA-256 of the content seen' },
  { name: 'ContentProducedAt', sql: `parseDateTime64BestEffortOrNull(${attr(Flightrec.contentProducedAt)}, 3)`, description: 'when the content was produced' },
  { name: 'Verdict', sql: firstNonEmpty(attr(Flightrec.policyVerdict), `if(${attr('openclaw.outcome')} = 'blocked' OR (SpanName = 'openclaw.tool.loop' AND ${attr(OpenClaw.loopAction)} = 'block'), 'deny', '')`), description: 'policy verdict' },
  { name: 'PolicyRule', sql: firstNonEmpty(attr(Flightrec.policyRule), attr('openclaw.deniedReason')), description: 'the rule that fired' },
  { name: 'ApprovalStatus', sql: attr(Flightrec.approvalStatus), description: 'pending | approved | denied | modified | expired' },
  { name: 'Approver', sql: attr(Flightrec.approvalApprover), description: 'who approved' },
  { name: 'Effect', sql: firstNonEmpty(attr(Flightrec.effect), `if(${isOpenClawScope}, ${openclawEffect}, '')`), description: 'read | write | send | delete | execute | payment' },
  { name: 'TargetSystem', sql: attr(Flightrec.targetSystem), description: 'system touched' },
  { name: 'TargetResource', sql: attr(Flightrec.targetResource), description: 'resource touched' },
  { name: 'Risk', sql: riskExpr, description: 'low | medium | high | critical' },
  { name: 'RiskLevel', sql: `indexOf(${riskList}, ${riskExpr})`, description: '0 none, 1 low … 4 critical' },
  { name: 'Reversible', sql: attr(Flightrec.reversible), description: "'true' | 'false' | ''" },
  { name: 'IdempotencyKey', sql: attr(Flightrec.idempotencyKey), description: 'idempotency key of a side effect' },
  { name: 'ArgumentsSha256', sql: attr(Flightrec.argumentsSha256), description: 'SHA-256 of the canonical tool arguments' },
  { name: 'Outcome', sql: firstNonEmpty(attr(Flightrec.outcome), `if(${IS_ERROR_SQL}, 'error', '')`, `multiIf(${ocOutcome} = 'completed', 'ok', ${ocOutcome} IN ('error', 'failed'), 'error', '')`), description: 'ok | error | partial | unknown' },
  { name: 'TaskId', sql: attr(Flightrec.taskId), description: 'task id' },
  { name: 'TaskStep', sql: attr(Flightrec.taskStep), description: 'task step name' },
  { name: 'TaskStepState', sql: attr(Flightrec.taskStepState), description: 'task step state' },
  { name: 'TaskCompletion', sql: attr(Flightrec.taskCompletion), description: 'caller-verified task completion' },
  { name: 'IsError', sql: `toUInt8(${IS_ERROR_SQL})`, description: '1 when the span status is error' },
  { name: 'ErrorType', sql: attr(GenAI.errorType), description: 'error.type' },
  { name: 'Action', sql: firstNonEmpty(attr(Flightrec.policyAction), attr(GenAI.toolName), attr('openclaw.toolName')), description: 'the tool/action a span is about: the policy/approval subject, else the tool name' },
  { name: 'DecisionToolCalls', sql: attr(Flightrec.decisionToolCalls), description: 'the tool calls a model call asked for (JSON)' },
  { name: 'SourceUri', sql: attr(Flightrec.sourceUri), description: 'where the content seen came from (URL, file, table)' },
  { name: 'TaskSteps', sql: `multiIf(startsWith(${attr(Flightrec.taskSteps)}, '['), toUInt32(JSONLength(${attr(Flightrec.taskSteps)})), ${attr(Flightrec.taskSteps)} = '', toUInt32(0), toUInt32OrZero(${attr(Flightrec.taskSteps)}) > 0, toUInt32OrZero(${attr(Flightrec.taskSteps)}), toUInt32(length(splitByChar(',', ${attr(Flightrec.taskSteps)}))))`, description: 'number of steps a task declares (a JSON array, a count or a comma list)' },
  { name: 'ScopeName', sql: 'ScopeName', description: "instrumentation scope: tells the flightrec OpenClaw plugin's spans ('flightrec.openclaw') from OpenClaw diagnostics-otel's ('openclaw')" },
];

/**
 * Derived columns also stored on `otel_traces` as MATERIALIZED columns (named `Fr<Name>`), with
 * their ClickHouse types. Reading a Map value means scanning each row's whole map, which is too slow
 * for detections over millions of spans; a MATERIALIZED column is computed once at insert (for the
 * real collector's inserts too, since it names its columns) and, for parts written before the
 * column existed, computed on read from the same expression. The exporter's own columns are untouched.
 */
export const storedColumnTypes: Readonly<Record<string, string>> = {
  SessionId: 'String',
  Record: 'LowCardinality(String)',
  Actor: 'LowCardinality(String)',
  Approver: 'LowCardinality(String)',
  DecisionToolCalls: 'String',
  Step: 'LowCardinality(String)',
  Agent: 'LowCardinality(String)',
  Action: 'LowCardinality(String)',
  Tool: 'LowCardinality(String)',
  Model: 'LowCardinality(String)',
  InputTokens: 'UInt64',
  OutputTokens: 'UInt64',
  SourceKind: 'LowCardinality(String)',
  SourceUri: 'String',
  Trust: 'LowCardinality(String)',
  Sensitivity: 'LowCardinality(String)',
  ContentProducedAt: 'Nullable(DateTime64(3))',
  Verdict: 'LowCardinality(String)',
  PolicyRule: 'LowCardinality(String)',
  ApprovalStatus: 'LowCardinality(String)',
  Effect: 'LowCardinality(String)',
  TargetSystem: 'LowCardinality(String)',
  TargetResource: 'String',
  Risk: 'LowCardinality(String)',
  RiskLevel: 'UInt8',
  Reversible: 'LowCardinality(String)',
  IdempotencyKey: 'String',
  ArgumentsSha256: 'String',
  Outcome: 'LowCardinality(String)',
  TaskId: 'String',
  TaskStep: 'LowCardinality(String)',
  TaskStepState: 'LowCardinality(String)',
  TaskSteps: 'UInt32',
  TaskCompletion: 'LowCardinality(String)',
  IsError: 'UInt8',
};

export const storedColumnName = (name: string): string => `Fr${name}`;

/**
 * A projection of `otel_traces` ordered by session: the stored columns plus the span's own, so a
 * session's timeline is one contiguous read instead of a few granules in every (service, span name)
 * range of the exporter's sort order. Attribute maps stay out of it (they would double the storage).
 */
export const SESSION_PROJECTION = 'flightrec_by_session';
export const sessionProjectionColumns: readonly string[] = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'SpanName', 'ServiceName', 'Duration', 'StatusCode', 'StatusMessage',
  // Long hashes and keys the timeline does not show stay out: they are most of a projection's bytes.
  ...Object.keys(storedColumnTypes).filter((c) => !['ArgumentsSha256', 'IdempotencyKey', 'SourceUri'].includes(c)).map(storedColumnName),
];
