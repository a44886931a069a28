/**
 * An agent invocation: the `invoke_agent {name}` span that everything the agent does hangs under.
 * Its conversation id and agent identity go into the context, so every child span carries
 * gen_ai.conversation.id and gen_ai.agent.name (see agent-scope.ts).
 */
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { runRecorded, startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { GenAI, GenAIOperation, OpenInference, OpenInferenceSpanKinds, StepKinds, Flightrec } from './semconv.ts';
import { contain } from './telemetry-errors.ts';

export interface AgentInvocationInfo {
  readonly agentName: string;
  readonly agentId?: string;
  readonly conversationId?: string;
  readonly description?: string;
  readonly version?: string;
  /** Remote agents are CLIENT spans; in-process agents INTERNAL (the default). */
  readonly remote?: boolean;
}

export interface AgentInvocationHandle extends HasContext {
  readonly span: Span;
  end(): void;
  fail(error: unknown): void;
}

function agentAttributes(info: AgentInvocationInfo): Attributes {
  const a: Attributes = {
    [GenAI.operationName]: GenAIOperation.invokeAgent,
    [GenAI.agentName]: info.agentName,
    [Flightrec.step]: StepKinds.agent,
    [OpenInference.spanKind]: OpenInferenceSpanKinds.agent,
  };
  if (info.agentId) a[GenAI.agentId] = info.agentId;
  if (info.conversationId) {
    a[GenAI.conversationId] = info.conversationId;
    a[OpenInference.sessionId] = info.conversationId;
  }
  if (info.description) a[GenAI.agentDescription] = info.description;
  if (info.version) a[GenAI.agentVersion] = info.version;
  return a;
}

function recordingOptions(info: AgentInvocationInfo, opts: RecordingOptions): RecordingOptions {
  return {
    kind: info.remote ? SpanKind.CLIENT : SpanKind.INTERNAL,
    ...opts,
    scope: { conversationId: info.conversationId, agentName: info.agentName, agentId: info.agentId },
  };
}

export function startAgentInvocation(info: AgentInvocationInfo, opts: RecordingOptions = {}): AgentInvocationHandle {
  const rec = startRecording(`${GenAIOperation.invokeAgent} ${info.agentName}`, () => agentAttributes(info), recordingOptions(info, opts));
  return { span: rec.span, context: rec.context, end: () => rec.finish(), fail: (error) => rec.fail(error) };
}

/** Run `fn` as an agent invocation; its result or error passes through unchanged. */
export function withAgent<R>(info: AgentInvocationInfo, fn: () => R, opts: RecordingOptions = {}): R {
  const rec = startRecording(`${GenAIOperation.invokeAgent} ${info.agentName}`, () => agentAttributes(info), recordingOptions(info, opts));
  return runRecorded(rec, fn);
}

/** Wrap an agent entry point; the invocation info may depend on the arguments (conversation id). */
export function wrapAgent<A extends unknown[], R>(fn: (...args: A) => R, info: AgentInvocationInfo | ((...args: A) => AgentInvocationInfo), opts: RecordingOptions = {}): (...args: A) => R {
  return function wrappedAgent(this: unknown, ...args: A): R {
    const i = typeof info === 'function' ? contain('agent.info', () => info(...args), { agentName: 'unknown' }) : info;
    const rec = startRecording(`${GenAIOperation.invokeAgent} ${i.agentName}`, () => agentAttributes(i), recordingOptions(i, opts));
    return runRecorded(rec, () => fn.apply(this, args));
  };
}
