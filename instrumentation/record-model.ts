/**
 * DECIDED: a model call as a `chat {model}` span — provider, models, token usage, finish reasons,
 * the tool calls the model asked for (what it decided), and the input/output messages only as the
 * capture mode allows. What the model was shown is hashed (flightrec.input.messages.sha256) in
 * every mode but `none`.
 */
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { hashCanonical } from './canonical-hash.ts';
import { captureContent } from './content-capture.ts';
import { runRecorded, startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { Flightrec, GenAI, GenAIOperation, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds } from './semconv.ts';
import { contain } from './telemetry-errors.ts';

export interface ModelCallInfo {
  /** gen_ai.provider.name: openai, anthropic, aws.bedrock, gcp.gemini, … */
  readonly provider: string;
  readonly model: string;
  /** gen_ai.operation.name; `chat` unless given. */
  readonly operation?: string;
  /** Messages in the GenAI shape `[{role, parts:[…]}]` (or the provider's own; captured as JSON). */
  readonly inputMessages?: unknown;
  readonly systemInstructions?: unknown;
}

export interface DecidedToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments?: unknown;
}

export interface ModelCallResult {
  readonly responseModel?: string;
  readonly responseId?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly cacheReadInputTokens?: number;
  readonly finishReasons?: readonly string[];
  /** The tool calls the model asked for. */
  readonly toolCalls?: readonly DecidedToolCall[];
  readonly outputMessages?: unknown;
}

export interface ModelCallHandle extends HasContext {
  readonly span: Span;
  end(result?: ModelCallResult): void;
  fail(error: unknown): void;
}

function startAttributes(info: ModelCallInfo): Attributes {
  return {
    [GenAI.operationName]: info.operation ?? GenAIOperation.chat,
    [GenAI.providerName]: info.provider,
    [GenAI.requestModel]: info.model,
    [Flightrec.record]: RecordKind.decided,
    [Flightrec.step]: StepKinds.modelCall,
    [OpenInference.spanKind]: OpenInferenceSpanKinds.llm,
    ...captureContent({ content: GenAI.inputMessages, sha256: Flightrec.inputMessagesSha256 }, info.inputMessages),
    ...captureContent({ content: GenAI.systemInstructions }, info.systemInstructions),
  };
}

export function modelResultAttributes(r: ModelCallResult | undefined): Attributes {
  if (!r) return {};
  const a: Attributes = {};
  if (r.responseModel) a[GenAI.responseModel] = r.responseModel;
  if (r.responseId) a[GenAI.responseId] = r.responseId;
  if (r.inputTokens !== undefined) a[GenAI.usageInputTokens] = r.inputTokens;
  if (r.outputTokens !== undefined) a[GenAI.usageOutputTokens] = r.outputTokens;
  if (r.cacheReadInputTokens !== undefined) a[GenAI.usageCacheReadInputTokens] = r.cacheReadInputTokens;
  if (r.finishReasons) a[GenAI.responseFinishReasons] = [...r.finishReasons];
  if (r.toolCalls) {
    // Names, ids and argument hashes are the decision; the arguments themselves are content.
    a[Flightrec.decisionToolCalls] = JSON.stringify(r.toolCalls.map((c) => ({
      id: c.id,
      name: c.name,
      arguments_sha256: c.arguments === undefined ? undefined : contain('model.toolcall.hash', () => hashCanonical(c.arguments), undefined),
    })));
  }
  Object.assign(a, captureContent({ content: GenAI.outputMessages, sha256: Flightrec.outputMessagesSha256 }, r.outputMessages));
  return a;
}

export function startModelCall(info: ModelCallInfo, opts: RecordingOptions = {}): ModelCallHandle {
  const rec = startRecording(`${info.operation ?? GenAIOperation.chat} ${info.model}`, () => startAttributes(info), { kind: SpanKind.CLIENT, ...opts });
  return {
    span: rec.span,
    context: rec.context,
    end: (result) => rec.finish(() => modelResultAttributes(result)),
    fail: (error) => rec.fail(error),
  };
}

export interface WrapModelCallOptions<A extends unknown[], R> extends RecordingOptions {
  readonly provider: string;
  /** The requested model, fixed or read from the call's arguments. */
  readonly model: string | ((...args: A) => string);
  readonly operation?: string;
  /** What the model is shown: messages and system instructions, read from the arguments. */
  readonly input?: (...args: A) => { messages?: unknown; systemInstructions?: unknown };
  /** Usage, finish reasons, tool calls and output messages, read from the provider's response. */
  readonly result?: (response: Awaited<R>) => ModelCallResult;
  /** For streamed responses: summarise the chunks (collected only when this is given). */
  readonly summarizeStream?: (chunks: unknown[]) => ModelCallResult;
}

/** Wrap a model call: same types, same response object; streams end the span when consumed. */
export function wrapModelCall<A extends unknown[], R>(fn: (...args: A) => R, opts: WrapModelCallOptions<A, R>): (...args: A) => R {
  const recOpts: RecordingOptions = { kind: SpanKind.CLIENT, tracer: opts.tracer, parent: opts.parent, startTime: opts.startTime };
  return function wrappedModelCall(this: unknown, ...args: A): R {
    let chunks: unknown[] | undefined;
    const model = typeof opts.model === 'function' ? contain('model.model', () => (opts.model as (...a: A) => string)(...args), 'unknown') : opts.model;
    const input = opts.input ? contain('model.input', () => opts.input!(...args), undefined) : undefined;
    const rec = startRecording(`${opts.operation ?? GenAIOperation.chat} ${model}`, () => startAttributes({
      provider: opts.provider, model, operation: opts.operation, inputMessages: input?.messages, systemInstructions: input?.systemInstructions,
    }), recOpts);
    const summary = () => (opts.summarizeStream ? modelResultAttributes(contain('model.summary', () => opts.summarizeStream!(chunks ?? []), undefined)) : undefined);
    return runRecorded(rec, () => fn.apply(this, args), {
      ok: (value) => (opts.result ? modelResultAttributes(contain('model.result', () => opts.result!(value as Awaited<R>), undefined)) : undefined),
      chunk: opts.summarizeStream ? (c) => { (chunks ??= []).push(c); } : undefined,
      streamDone: summary,
      aborted: summary,
    });
  };
}
