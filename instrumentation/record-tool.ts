/**
 * TOUCHED: a tool call as an `execute_tool {name}` span — effect, risk, target and reversibility
 * from the tool catalogue, SHA-256 of the canonical arguments, idempotency key, outcome; the
 * arguments and result themselves only as the capture mode allows.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { hashCanonical } from './canonical-hash.ts';
import { captureContent, NO_CONTENT } from './content-capture.ts';
import { runRecorded, startRecording, type HasContext, type RecordingOptions, type Settlement } from './recording.ts';
import { Flightrec, GenAI, GenAIOperation, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds, type GenAIToolType, type Outcome } from './semconv.ts';
import { toolSpec } from './settings.ts';
import { contain } from './telemetry-errors.ts';
import type { ToolSpec } from './tool-catalogue.ts';

export interface ToolCallInfo {
  readonly name: string;
  /** The model's tool_call id when there is one; a UUID otherwise. */
  readonly callId?: string;
  /** The arguments as the agent passed them; hashed always, captured per capture mode. */
  readonly arguments?: unknown;
  readonly idempotencyKey?: string;
  readonly targetResource?: string;
  readonly type?: GenAIToolType;
  /** Per-call override of the catalogue entry (rare: the catalogue is the place for this). */
  readonly spec?: Partial<ToolSpec<never[]>>;
}

export interface ToolCallEnd {
  /** ok unless given (partial, unknown…); `fail` records error. */
  readonly outcome?: Outcome;
}

export interface ToolCallHandle extends HasContext {
  readonly span: Span;
  /** The tool returned `result`. */
  end(result?: unknown, opts?: ToolCallEnd): void;
  /** The tool threw or reported failure. */
  fail(error: unknown, opts?: ToolCallEnd): void;
}

type AnyFn = (...args: unknown[]) => string | undefined;

function specFor(name: string, override: Partial<ToolSpec<never[]>> | undefined): Partial<ToolSpec<never[]>> | undefined {
  const base = toolSpec(name);
  return override ? { ...base, ...override } : base;
}

const ARGUMENT_KEYS = { content: GenAI.toolCallArguments } as const;

export function toolStartAttributes(info: ToolCallInfo, args: readonly unknown[] = []): Attributes {
  const spec = specFor(info.name, info.spec);
  const a: Attributes = {
    [GenAI.operationName]: GenAIOperation.executeTool,
    [GenAI.toolName]: info.name,
    [GenAI.toolCallId]: info.callId ?? randomUUID(),
    [GenAI.toolType]: info.type ?? spec?.type ?? 'function',
    [Flightrec.record]: RecordKind.touched,
    [Flightrec.step]: StepKinds.tool,
    [OpenInference.spanKind]: OpenInferenceSpanKinds.tool,
  };
  if (spec?.description) a[GenAI.toolDescription] = spec.description;
  if (spec?.effect) a[Flightrec.effect] = spec.effect;
  if (spec?.risk) a[Flightrec.risk] = spec.risk;
  if (spec?.targetSystem) a[Flightrec.targetSystem] = spec.targetSystem;
  if (spec?.reversible !== undefined) a[Flightrec.reversible] = spec.reversible;
  const resource = info.targetResource ?? (typeof spec?.targetResource === 'function'
    ? contain('tool.targetResource', () => (spec.targetResource as AnyFn)(...args), undefined)
    : spec?.targetResource);
  if (resource) a[Flightrec.targetResource] = resource;
  const idem = info.idempotencyKey ?? (spec?.idempotencyKey ? contain('tool.idempotencyKey', () => (spec.idempotencyKey as AnyFn)(...args), undefined) : undefined);
  if (idem) a[Flightrec.idempotencyKey] = idem;
  if (info.arguments !== undefined) {
    const sha = contain('tool.arguments.hash', () => hashCanonical(info.arguments), undefined);
    if (sha) a[Flightrec.argumentsSha256] = sha;
    const content = captureContent(ARGUMENT_KEYS, info.arguments);
    if (content !== NO_CONTENT) Object.assign(a, content);
  }
  return a;
}

/** Shared, never mutated: span.setAttributes copies what it is given. */
const OUTCOME_OK: Attributes = Object.freeze({ [Flightrec.outcome]: 'ok' });
const OUTCOME_ERROR: Attributes = Object.freeze({ [Flightrec.outcome]: 'error' });
const OUTCOME_PARTIAL: Attributes = Object.freeze({ [Flightrec.outcome]: 'partial' });
const RESULT_KEYS = { content: GenAI.toolCallResult, sha256: Flightrec.resultSha256 } as const;

function resultAttributes(result: unknown, outcome: Outcome): Attributes {
  const content = captureContent(RESULT_KEYS, result);
  if (content === NO_CONTENT) return outcome === 'ok' ? OUTCOME_OK : { [Flightrec.outcome]: outcome };
  return { [Flightrec.outcome]: outcome, ...content };
}

/** Explicit start/end form, for runtimes that report tool calls as before/after events. */
export function startToolCall(info: ToolCallInfo, opts: RecordingOptions = {}): ToolCallHandle {
  const rec = startRecording(`${GenAIOperation.executeTool} ${info.name}`, () => toolStartAttributes(info), opts);
  return {
    span: rec.span,
    context: rec.context,
    end(result, o) {
      rec.finish(() => resultAttributes(result, o?.outcome ?? 'ok'));
    },
    fail(error, o) {
      rec.fail(error, { [Flightrec.outcome]: o?.outcome ?? 'error' });
    },
  };
}

export interface WrapToolOptions<A extends unknown[], R> extends RecordingOptions {
  readonly name: string;
  /** Derive the call id from the arguments (e.g. the model's tool_call id); a UUID otherwise. */
  readonly callId?: (...args: A) => string | undefined;
  /** What to hash/capture as the arguments; default: the only argument, or the argument list. */
  readonly arguments?: (...args: A) => unknown;
  readonly idempotencyKey?: (...args: A) => string | undefined;
  readonly targetResource?: (...args: A) => string | undefined;
  /** Outcome from the tool's own result (e.g. `partial`); ok when omitted. */
  readonly outcome?: (result: Awaited<R>) => Outcome;
  readonly type?: GenAIToolType;
}

/** Wrap a tool: same parameter and return types, same results and errors (same objects). */
export function wrapTool<A extends unknown[], R>(fn: (...args: A) => R, opts: WrapToolOptions<A, R>): (...args: A) => R {
  const spanName = `${GenAIOperation.executeTool} ${opts.name}`;
  // The same for every call: built once, not per call (the wrapper is on the agent's hot path).
  const settlement: Settlement = {
    ok: (value) => resultAttributes(value, opts.outcome ? contain('tool.outcome', () => opts.outcome!(value as Awaited<R>), 'unknown' as Outcome) : 'ok'),
    error: () => OUTCOME_ERROR,
    streamDone: () => OUTCOME_OK,
    aborted: () => OUTCOME_PARTIAL,
  };
  return function wrappedTool(this: unknown, ...args: A): R {
    const rec = startRecording(spanName, () => toolStartAttributes({
      name: opts.name,
      type: opts.type,
      callId: opts.callId ? contain('tool.callId', () => opts.callId!(...args), undefined) : undefined,
      arguments: opts.arguments ? contain('tool.arguments', () => opts.arguments!(...args), undefined) : (args.length === 1 ? args[0] : args),
      idempotencyKey: opts.idempotencyKey ? contain('tool.idempotencyKey', () => opts.idempotencyKey!(...args), undefined) : undefined,
      targetResource: opts.targetResource ? contain('tool.targetResource', () => opts.targetResource!(...args), undefined) : undefined,
    }, args), opts);
    return runRecorded(rec, () => fn.apply(this, args), settlement);
  };
}
