/**
 * The columns of the `flightrec_spans` view, each a ClickHouse expression over an `otel_traces` row.
 *
 * They are computed at read time over the contrib exporter's table, so rows written by the real
 * OpenTelemetry Collector get exactly the same columns as rows written by flightrec's receiver.
 * Spans from other producers (OpenClaw's diagnostics-otel, the GenAI / MCP / OpenInference /
 * OpenLLMetry / OpenLIT / Vercel AI SDK dialects) are mapped by the rules and field sources of
 * conventions/span-mapping.ts and the tool catalogue of conventions/tool-catalogue.ts, compiled
 * here into SQL; this module owns the SQL, never the mapping.
 */
import { DEFAULT_OPENCLAW_TOOLS } from '../conventions/openclaw-tools.ts';
import { quoteString as lit } from './tables.ts';
import { FIELD_SOURCES, GUARDRAIL_BLOCKING_RESULTS, RULE_SCOPES, SPAN_RULES, type FieldSource, type SpanCondition, type SpanRule } from '../conventions/span-mapping.ts';
import { DEFAULT_TOOL_CATALOGUE, patternRegex, type ToolCatalogue } from '../conventions/tool-catalogue.ts';
import { Mcp, McpMethods } from '../conventions/dialects.ts';
import { AllAttributeKeys, Flightrec, GenAI, GenAIEvaluation, GenAIEvents, GenAIGuardrail, OpenClaw, Risks, SideEffectEffects } from '../instrumentation/semconv.ts';

/** `SpanAttributes['key']` as SQL; keys come from the conventions, never from input. */
export function attr(key: string): string {
  return `SpanAttributes[${lit(key)}]`;
}

/** A string literal; backslashes and quotes escaped (catalogue patterns come from an operator's file). */
const sqlList = (xs: readonly string[]): string => `[${xs.map(lit).join(', ')}]`;

/** The first non-empty of some values; '' for none. */
function firstNonEmpty(...exprs: string[]): string {
  if (exprs.length === 0) return "''";
  // coalesce() skips NULLs, and a missing Map key reads as '' — turn '' into NULL first.
  return `coalesce(${exprs.map((e) => `nullIf(${e}, '')`).join(', ')}, '')`;
}

const riskList = `[${Risks.map((r) => `'${r}'`).join(', ')}]`;

/** Status strings differ by exporter version ('STATUS_CODE_ERROR' or 'Error'); accept both. */
export const IS_ERROR_SQL = `CAST(StatusCode, 'String') IN ('STATUS_CODE_ERROR', 'Error')`;

/** A mapping condition as SQL. */
export function conditionSql(c: SpanCondition): string {
  // An empty `all` holds and an empty `any` does not (withinScope leaves an `all` empty).
  if ('all' in c) return c.all.length ? `(${c.all.map(conditionSql).join(' AND ')})` : 'true';
  if ('any' in c) return c.any.length ? `(${c.any.map(conditionSql).join(' OR ')})` : 'false';
  if ('not' in c) return `NOT ${conditionSql(c.not)}`;
  if ('scope' in c) return `ScopeName = ${lit(c.scope)}`;
  if ('spanNamePrefix' in c) return `startsWith(SpanName, ${lit(c.spanNamePrefix)})`;
  if ('spanName' in c) return c.spanName.length === 1 ? `SpanName = ${lit(c.spanName[0]!)}` : `SpanName IN (${c.spanName.map(lit).join(', ')})`;
  if ('present' in c) return `${attr(c.attr)} != ''`;
  return c.in.length === 1 ? `${attr(c.attr)} = ${lit(c.in[0]!)}` : `${attr(c.attr)} IN (${c.in.map(lit).join(', ')})`;
}

function sourceSql(s: FieldSource): string {
  if (typeof s === 'string') return attr(s);
  if ('resource' in s) return `ResourceAttributes[${lit(s.resource)}]`;
  if ('column' in s) return s.when ? `if(${conditionSql(s.when)}, ${s.column}, '')` : s.column;
  if ('spanNameAfter' in s) return `if(${conditionSql(s.when)} AND position(SpanName, ${lit(s.spanNameAfter)}) > 0, substring(SpanName, position(SpanName, ${lit(s.spanNameAfter)}) + ${Buffer.byteLength(s.spanNameAfter)}), '')`;
  return `if(${conditionSql(s.when)}, ${attr(s.attr)}, '')`;
}

/**
 * Which mapping to compile: `foreign: false` keeps only the names flightrec's own wrappers write
 * (no dialect rules, no other producers' keys, no tool catalogue) — the baseline the mapping's
 * benchmark measures against (bench/dialect-mapping.ts); the store always uses the full mapping.
 */
export interface MappingOptions {
  readonly foreign?: boolean;
}

/** Without the foreign mapping, a field reads only keys flightrec writes and plain row columns. */
const ownSource = (s: FieldSource): boolean => (typeof s === 'string' ? AllAttributeKeys.has(s) : 'column' in s && !('when' in s && s.when));

/** A field's sources as SQL (conventions/span-mapping.ts FIELD_SOURCES), to take the first non-empty of. */
function sourcesOf(name: keyof typeof FIELD_SOURCES, foreign: boolean): string[] {
  return FIELD_SOURCES[name].filter((s) => foreign || ownSource(s)).map(sourceSql);
}

/** A rule's test on one key (an attribute or the span name): a list of values, or "any non-empty value". */
type KeyTest = { readonly key: string; readonly values: readonly string[]; readonly present: boolean };
function keyTest(c: SpanCondition): KeyTest | undefined {
  if ('attr' in c) return 'in' in c ? { key: attr(c.attr), values: c.in, present: false } : { key: attr(c.attr), values: [], present: true };
  if ('spanName' in c) return { key: 'SpanName', values: c.spanName, present: false };
  return undefined;
}

/** Entries the tool catalogue's stored index (UInt16, 0 for none) can number. */
const MAX_CATALOGUE = 65535;

/** Above every rule's index: "no rule matched" while taking the least of the terms below. */
const NO_RULE = 255;
if (SPAN_RULES.length >= NO_RULE) throw new Error('SPAN_RULES outgrew the rule index (UInt8)');

/** A condition known to hold for every span it is asked about: `scope` already tested by the caller. */
const ALWAYS = { all: [] } as const satisfies SpanCondition;
const isAlways = (c: SpanCondition): boolean => 'all' in c && c.all.length === 0;

/** A condition with `{ scope }` tests of a known scope taken out (true there), so no term tests it twice. */
function withinScope(c: SpanCondition, scope: string): SpanCondition {
  if ('scope' in c) return c.scope === scope ? ALWAYS : c;
  if ('not' in c) return { not: withinScope(c.not, scope) };
  if ('all' in c) {
    const parts = c.all.map((x) => withinScope(x, scope)).filter((x) => !isAlways(x));
    return parts.length === 1 ? parts[0]! : { all: parts };
  }
  if ('any' in c) {
    const parts = c.any.map((x) => withinScope(x, scope));
    return parts.some(isAlways) ? ALWAYS : { any: parts };
  }
  return c;
}

/**
 * Terms whose least is the 1-based index of the first matching rule (NO_RULE: none). A run of rules
 * testing one key becomes one `transform` of that key (first-listed value wins; '' maps to no rule; a
 * trailing "present" rule is the default for any other value); any other rule is `if(cond, index,
 * NO_RULE)`, and a rule that always matches is its index (no later rule can be the least). Since
 * every rule's index is its position, the least matching index is the first match — the same
 * result as trying the rules in order, with no branches: ClickHouse evaluates cheap branches
 * eagerly anyway, and a multiIf of many arms costs a pass and a mask per arm (measured in
 * docs/instrumentations.md). Every function in these terms also costs each insert a fixed amount
 * (docs/instrumentations.md), so none is written twice.
 */
function ruleTerms(rules: readonly SpanRule[], offset: number): string[] {
  const terms: string[] = [];
  for (let i = 0; i < rules.length;) {
    const when = rules[i]!.when;
    if (isAlways(when)) { terms.push(String(offset + i + 1)); break; }
    const first = keyTest(when);
    if (!first || first.present) {
      terms.push(`if(${conditionSql(when)}, ${offset + i + 1}, ${NO_RULE})`);
      i += 1;
      continue;
    }
    const values: string[] = [];
    const indexes: number[] = [];
    let fallback = NO_RULE;
    let j = i;
    for (; j < rules.length; j++) {
      const t = keyTest(rules[j]!.when);
      if (!t || t.key !== first.key) break;
      if (t.present) { fallback = offset + j + 1; j++; break; }
      for (const v of t.values) if (!values.includes(v)) { values.push(v); indexes.push(offset + j + 1); }
    }
    terms.push(`transform(${first.key}, ${sqlList(['', ...values])}, [${[NO_RULE, ...indexes].join(', ')}], ${fallback})`);
    i = j;
  }
  return terms;
}

/**
 * The 1-based index of the first rule that matches a span (0: none), computed once: every column
 * that reads the rules looks its value up by this index, and ClickHouse evaluates an expression that
 * several stored columns share once per block (also at insert, across MATERIALIZED columns — measured,
 * docs/instrumentations.md). Spans flightrec's wrappers wrote skip the rules; OpenClaw's rules apply
 * only on its scope — tested once, around all of them — where they end with a catch-all, so no later
 * rule can win there.
 */
const openclawCount = SPAN_RULES.findIndex((r) => r.dialect !== 'openclaw-diagnostics');
const OPENCLAW_SCOPE = RULE_SCOPES['openclaw-diagnostics']!;
if (SPAN_RULES.slice(openclawCount).some((r) => RULE_SCOPES[r.dialect])) throw new Error('scoped rules must come first in SPAN_RULES, as OpenClaw\'s do');
const isOpenClawScope = `ScopeName = ${lit(OPENCLAW_SCOPE)}`;
const openclawTerms = ruleTerms(SPAN_RULES.slice(0, openclawCount).map((r) => ({ ...r, when: withinScope(r.when, OPENCLAW_SCOPE) })), 0);
const ruleLeast = `least(\n      if(${isOpenClawScope}, least(${openclawTerms.join(', ')}), ${NO_RULE}),\n      ${ruleTerms(SPAN_RULES.slice(openclawCount), openclawCount).join(',\n      ')})`;
const ruleIndex = `if(${attr(Flightrec.record)} != '' OR ${attr(Flightrec.step)} != '', 0, ${ruleLeast} % ${NO_RULE})`;

/** One value per span from the first matching rule, '' when none matches or the rule has none. */
function rulesOf(pick: (r: SpanRule) => string | undefined, index: string): string {
  return `arrayElement(${sqlList(SPAN_RULES.map((r) => pick(r) ?? ''))}, ${index})`;
}

const ocOutcome = attr(OpenClaw.outcome);

/**
 * Effect and risk of OpenClaw's built-in tools for diagnostics-otel tool spans, from the same
 * catalogue the flightrec plugin uses (conventions/openclaw-tools.ts), so zero-install data gets them too.
 */
const builtinNames = Object.keys(DEFAULT_OPENCLAW_TOOLS);
const ocTool = attr(OpenClaw.toolName);
const builtin = (pick: (n: string) => string): string => `transform(${ocTool}, ${sqlList(builtinNames)}, ${sqlList(builtinNames.map(pick))}, '')`;
const openclawEffect = builtin((n) => DEFAULT_OPENCLAW_TOOLS[n]!.effect);
const openclawRisk = builtin((n) => DEFAULT_OPENCLAW_TOOLS[n]!.risk);
const openclawReversible = builtin((n) => { const r = DEFAULT_OPENCLAW_TOOLS[n]!.reversible; return r === undefined ? '' : String(r); });

/** Gen AI guardrail results the conventions document as a block (conventions/span-mapping.ts). */
const guardrailDeny = `if(${GUARDRAIL_BLOCKING_RESULTS.map((b) => `(${attr(GenAIGuardrail.resultType)} = ${lit(b.type)} AND ${attr(GenAIGuardrail.resultValue)} = ${lit(b.value)})`).join(' OR ')}, 'deny', '')`;

/** MCP client and server spans of one `tools/call` share the trace and the JSON-RPC request id. */
const mcpCallKey = `if(${attr(Mcp.methodName)} = ${lit(McpMethods.toolsCall)} AND ${attr(Mcp.jsonrpcRequestId)} != '', concat('mcp:', TraceId, ':', ${attr(Mcp.sessionId)}, ':', ${attr(Mcp.jsonrpcRequestId)}), '')`;

const sha256Of = (content: string): string => `if(${content} = '', '', lower(hex(SHA256(${content}))))`;

/** Events of one name on the span, as an array of their attribute maps. */
const eventsNamed = (name: string): string => `arrayFilter((a, n) -> n = ${lit(name)}, \`Events.Attributes\`, \`Events.Name\`)`;

export interface DerivedColumn {
  readonly name: string;
  readonly sql: string;
  readonly description: string;
}

/** The derived columns, with a tool catalogue compiled in (the default one unless an operator names a file). */
export function derivedColumnsFor(catalogue: ToolCatalogue = DEFAULT_TOOL_CATALOGUE, mapping: MappingOptions = {}): readonly DerivedColumn[] {
  const foreign = mapping.foreign ?? true;
  if (!foreign) catalogue = [];
  // A field that falls back on another field takes its sources in the same first-non-empty, not nested in it.
  const sources = (name: keyof typeof FIELD_SOURCES): string[] => sourcesOf(name, foreign);
  const field = (name: keyof typeof FIELD_SOURCES): string => firstNonEmpty(...sources(name));
  const byRule = (pick: (r: SpanRule) => string | undefined): string => (foreign ? rulesOf(pick, storedColumnName('Rule')) : "''");
  // Values several columns need (the rule index, the tool name, its catalogue entry, record, risk) are
  // stored once and read by name (`Fr<Name>`); the list below puts each before the columns that read
  // it, which is the order the DDL adds them in. ClickHouse analyses every MATERIALIZED expression at
  // each insert, at a cost that grows with the expression's text: written out in every column that
  // reads them, these values were most of the mapping's fixed cost per insert (docs/instrumentations.md).
  // An erasure's mutation gives a column the old values of the columns it reads, so these may read no
  // key the erasure removes (test/derived-columns-erase.test.ts).
  const ref = (name: string): string => storedColumnName(name);
  const tool = field('Tool');
  // 1-based index of the first catalogue entry matching the tool name (0: none), for foreign touched spans with a tool
  // (a decided span may name a tool too: OpenLIT's chat span names the call the model asks for)
  // (a span with no tool name skips the match: it is most of a mixed stream, and a catch-all `*` entry is about tools).
  // All patterns as one constant set of anchored regular expressions, matched in one pass (Hyperscan,
  // on by default in ClickHouse: allow_hyperscan); the smallest index that matched is the first entry.
  // (An ILIKE per entry against patterns read from an array compiled a pattern per row: docs/instrumentations.md.)
  const entry = (() => {
    if (catalogue.length === 0) return '0';
    if (catalogue.length > MAX_CATALOGUE) throw new Error(`the tool catalogue has ${catalogue.length} entries; at most ${MAX_CATALOGUE} fit its stored index`);
    // The catalogue's domain: spans none of flightrec's wrappers wrote, outside OpenClaw (whose built-in
    // catalogue applies), that a rule makes touched — those whose rule (FrRule: 0 for a span flightrec
    // wrote) is a touched rule of an unscoped dialect (a scoped one's spans stop at its own catch-all).
    const catalogued = `[${SPAN_RULES.map((r) => (r.record === 'touched' && !RULE_SCOPES[r.dialect] ? 1 : 0)).join(', ')}]`;
    return `if(arrayElement(${catalogued}, ${ref('Rule')}) = 0 OR ${ref('Tool')} = '', 0, arrayMin(multiMatchAllIndices(lower(${ref('Tool')}), ${sqlList(catalogue.map((e) => patternRegex(e.match, 'hyperscan')))})))`;
  })();
  const fromCatalogue = (pick: (e: ToolCatalogue[number]) => string | undefined): string => (catalogue.length === 0 ? "''" : `arrayElement(${sqlList(catalogue.map((e) => pick(e) ?? ''))}, ${ref('ToolEntry')})`);
  const catalogueEffect = fromCatalogue((e) => e.effect);
  const catalogueRisk = fromCatalogue((e) => e.risk);
  const riskExpr = firstNonEmpty(attr(Flightrec.risk), openclawRisk, catalogueRisk);
  const ruleStep = byRule((r) => r.step);
  const catalogueTrust = `if(${ref('Record')} = 'touched', ${fromCatalogue((e) => e.resultTrust)}, '')`;
  const catalogueSensitivity = `if(${ref('Record')} = 'touched', ${fromCatalogue((e) => e.resultSensitivity)}, '')`;
  return [
    { name: 'Rule', sql: foreign ? ruleIndex : '0', description: 'the 1-based index of the first mapping rule that matched the span (conventions/span-mapping.ts SPAN_RULES), 0 for none or a span flightrec wrote' },
    { name: 'SessionId', sql: field('SessionId'), description: 'conversation / session id; the trace id when the span names none' },
    { name: 'Record', sql: firstNonEmpty(attr(Flightrec.record), byRule((r) => r.record)), description: 'saw | decided | touched, or empty for plumbing spans' },
    { name: 'Step', sql: firstNonEmpty(attr(Flightrec.step), ruleStep), description: 'kind of step within the record' },
    { name: 'Operation', sql: firstNonEmpty(attr(GenAI.operationName), byRule((r) => r.operation)), description: 'gen_ai.operation.name' },
    { name: 'Agent', sql: field('Agent'), description: 'agent name, else the service' },
    { name: 'Actor', sql: field('Actor'), description: 'who asked (user, channel sender) or who approved' },
    { name: 'Channel', sql: firstNonEmpty(attr(Flightrec.channel), attr(OpenClaw.channel)), description: 'inbound/outbound channel' },
    { name: 'Tool', sql: tool, description: 'gen_ai.tool.name, or the tool name of another dialect' },
    { name: 'ToolEntry', sql: entry, description: "the 1-based index of the tool catalogue's first entry matching a foreign span's tool name, 0 for none" },
    { name: 'ToolCallId', sql: firstNonEmpty(...sources('ToolCallId'), ...(foreign ? [mcpCallKey] : [])), description: 'the tool call id, shared by the spans two instrumentations make of one call (the dedupe key)' },
    // Read time only (a view column): what the detections and a session's figures keep one row of.
    // Range totals take a call's later spans off over flightrec_calls instead (queries/fragments/tool_call_twins.sql).
    { name: 'CallRef', sql: `if(${ref('Record')} = 'touched' AND ${ref('ToolCallId')} != '', ${ref('ToolCallId')}, SpanId)`, description: "what a span records once: a touched span's tool call id (the spans two instrumentations make of one call share it), else the span's own id; rows of a session count (SessionId, CallRef) once" },
    { name: 'Model', sql: field('Model'), description: 'model used' },
    { name: 'InputTokens', sql: `toUInt64OrZero(${field('InputTokens')})`, description: 'gen_ai.usage.input_tokens (or a dialect\'s own name for it)' },
    { name: 'OutputTokens', sql: `toUInt64OrZero(${field('OutputTokens')})`, description: 'gen_ai.usage.output_tokens (or a dialect\'s own name for it)' },
    { name: 'SourceKind', sql: firstNonEmpty(attr(Flightrec.sourceKind), byRule((r) => r.sourceKind), `if(${catalogueTrust} != '', 'tool_result', '')`), description: 'where context came from' },
    { name: 'Trust', sql: firstNonEmpty(attr(Flightrec.sourceTrust), byRule((r) => r.trust), catalogueTrust), description: 'trusted | untrusted (for a foreign tool span: its result, per the catalogue)' },
    { name: 'Sensitivity', sql: firstNonEmpty(attr(Flightrec.sourceSensitivity), catalogueSensitivity), description: 'public … secret, pii' },
    { name: 'ContentSha256', sql: attr(Flightrec.contentSha256), description: 'SHA-256 of the content seen' },
    { name: 'ContentProducedAt', sql: `parseDateTime64BestEffortOrNull(${attr(Flightrec.contentProducedAt)}, 3)`, description: 'when the content was produced' },
    { name: 'Verdict', sql: firstNonEmpty(attr(Flightrec.policyVerdict), `if(${ocOutcome} = 'blocked' OR (SpanName = 'openclaw.tool.loop' AND ${attr(OpenClaw.loopAction)} = 'block'), 'deny', '')`, guardrailDeny), description: 'policy verdict' },
    { name: 'PolicyRule', sql: firstNonEmpty(attr(Flightrec.policyRule), attr(OpenClaw.deniedReason), ...sources('GuardrailRule')), description: 'the rule that fired' },
    { name: 'GuardrailResult', sql: `if(${attr(GenAIGuardrail.resultType)} = '', '', concat(${attr(GenAIGuardrail.resultType)}, '=', ${attr(GenAIGuardrail.resultValue)}))`, description: 'a guardrail\'s provider-native result (gen_ai.guardrail.result.type=value)' },
    { name: 'Evaluations', sql: `arrayStringConcat(arrayMap(a -> concat(a[${lit(GenAIEvaluation.name)}], ' ', if(a[${lit(GenAIEvaluation.scoreLabel)}] != '', a[${lit(GenAIEvaluation.scoreLabel)}], a[${lit(GenAIEvaluation.scoreValue)}])), ${eventsNamed(GenAIEvents.evaluationResult)}), '; ')`, description: 'gen_ai.evaluation.result events on the span: name and label (or score)' },
    { name: 'ApprovalStatus', sql: attr(Flightrec.approvalStatus), description: 'pending | approved | denied | modified | expired' },
    { name: 'Approver', sql: attr(Flightrec.approvalApprover), description: 'who approved' },
    { name: 'Effect', sql: firstNonEmpty(attr(Flightrec.effect), byRule((r) => r.effect), `if(${isOpenClawScope}, ${openclawEffect}, '')`, catalogueEffect), description: 'read | write | send | delete | execute | payment' },
    // Read time only (a view column): the one definition of a side effect the saved queries count.
    { name: 'SideEffect', sql: `toUInt8(${ref('Record')} = 'touched' AND ${ref('Effect')} IN (${SideEffectEffects.map(lit).join(', ')}))`, description: 'a touched span whose effect changes something outside the agent (write, send, delete, execute, payment): 1, else 0' },
    { name: 'TargetSystem', sql: attr(Flightrec.targetSystem), description: 'system touched' },
    { name: 'TargetResource', sql: attr(Flightrec.targetResource), description: 'resource touched' },
    { name: 'Risk', sql: riskExpr, description: 'low | medium | high | critical' },
    { name: 'RiskLevel', sql: `indexOf(${riskList}, ${ref('Risk')})`, description: '0 none, 1 low … 4 critical' },
    { name: 'Reversible', sql: firstNonEmpty(attr(Flightrec.reversible), `if(${isOpenClawScope}, ${openclawReversible}, '')`, fromCatalogue((e) => (e.reversible === undefined ? undefined : String(e.reversible)))), description: "'true' | 'false' | ''" },
    { name: 'IdempotencyKey', sql: attr(Flightrec.idempotencyKey), description: 'idempotency key of a side effect' },
    { name: 'ArgumentsSha256', sql: firstNonEmpty(attr(Flightrec.argumentsSha256), sha256Of(field('ArgumentsContent'))), description: 'SHA-256 of the tool arguments (canonical JSON for flightrec\'s wrappers, the bytes as sent for other dialects)' },
    { name: 'ResultSha256', sql: firstNonEmpty(attr(Flightrec.resultSha256), sha256Of(field('ResultContent'))), description: 'SHA-256 of the tool result, when captured' },
    { name: 'Outcome', sql: firstNonEmpty(attr(Flightrec.outcome), `if(${IS_ERROR_SQL}, 'error', '')`, `multiIf(${ocOutcome} = 'completed', 'ok', ${ocOutcome} IN ('error', 'failed'), 'error', '')`), description: 'ok | error | partial | unknown' },
    { name: 'TaskId', sql: attr(Flightrec.taskId), description: 'task id' },
    { name: 'TaskStep', sql: attr(Flightrec.taskStep), description: 'task step name' },
    { name: 'TaskStepState', sql: attr(Flightrec.taskStepState), description: 'task step state' },
    { name: 'TaskCompletion', sql: attr(Flightrec.taskCompletion), description: 'caller-verified task completion' },
    { name: 'IsError', sql: `toUInt8(${IS_ERROR_SQL})`, description: '1 when the span status is error' },
    { name: 'ErrorType', sql: attr(GenAI.errorType), description: 'error.type' },
    { name: 'Action', sql: firstNonEmpty(attr(Flightrec.policyAction), ref('Tool'), ...sources('GuardrailSubject')), description: 'the tool/action a span is about: the policy/approval subject, else the tool name' },
    { name: 'DecisionToolCalls', sql: attr(Flightrec.decisionToolCalls), description: 'the tool calls a model call asked for (JSON)' },
    { name: 'SourceUri', sql: field('SourceUri'), description: 'where the content seen came from (URL, file, table)' },
    { name: 'TaskSteps', sql: `multiIf(startsWith(${attr(Flightrec.taskSteps)}, '['), toUInt32(JSONLength(${attr(Flightrec.taskSteps)})), ${attr(Flightrec.taskSteps)} = '', toUInt32(0), toUInt32OrZero(${attr(Flightrec.taskSteps)}) > 0, toUInt32OrZero(${attr(Flightrec.taskSteps)}), toUInt32(length(splitByChar(',', ${attr(Flightrec.taskSteps)}))))`, description: 'number of steps a task declares (a JSON array, a count or a comma list)' },
    { name: 'ScopeName', sql: 'ScopeName', description: "instrumentation scope: tells the flightrec OpenClaw plugin's spans ('flightrec.openclaw') from OpenClaw diagnostics-otel's ('openclaw')" },
  ];
}

/** With the default tool catalogue. */
export const derivedColumns: readonly DerivedColumn[] = derivedColumnsFor();

/**
 * Derived columns also stored on `otel_traces` as MATERIALIZED columns (named `Fr<Name>`), with
 * their ClickHouse types. Reading a Map value means scanning each row's whole map, which is too slow
 * for detections over millions of spans; a MATERIALIZED column is computed once at insert (for the
 * real collector's inserts too, since it names its columns) and, for parts written before the
 * column existed, computed on read from the same expression. The exporter's own columns are untouched.
 */
export const storedColumnTypes: Readonly<Record<string, string>> = {
  Rule: 'UInt8',
  ToolEntry: 'UInt16',
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
  ToolCallId: 'String',
  Outcome: 'LowCardinality(String)',
  TaskId: 'String',
  TaskStep: 'LowCardinality(String)',
  TaskStepState: 'LowCardinality(String)',
  TaskSteps: 'UInt32',
  TaskCompletion: 'LowCardinality(String)',
  IsError: 'UInt8',
};

/** A function declaration, hoisted: derivedColumnsFor names stored columns while this module loads. */
export function storedColumnName(name: string): string {
  return `Fr${name}`;
}

/**
 * A projection of `otel_traces` ordered by session: the stored columns plus the span's own, so a
 * session's timeline is one contiguous read instead of a few granules in every (service, span name)
 * range of the exporter's sort order. Attribute maps stay out of it (they would double the storage).
 */
export const SESSION_PROJECTION = 'flightrec_by_session';
export const sessionProjectionColumns: readonly string[] = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'SpanName', 'ServiceName', 'Duration', 'StatusCode', 'StatusMessage',
  // Long hashes and keys the timeline does not show stay out: they are most of a projection's bytes.
  // The tool call id stays in: the session-scoped detections keep one row per call by it (CallRef),
  // and a column the projection lacks makes ClickHouse read the whole table instead.
  ...Object.keys(storedColumnTypes).filter((c) => !['ArgumentsSha256', 'IdempotencyKey', 'SourceUri', 'Rule', 'ToolEntry'].includes(c)).map(storedColumnName),
];
