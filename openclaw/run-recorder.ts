/**
 * OpenClaw hooks → flightrec records, one agent run at a time:
 *
 *   invoke_agent {agent}            before_agent_run / first hook of a run … agent_end (one trace per run,
 *   │                               OpenClaw's own trace id)
 *   ├─ message_in prompt            SAW  before_agent_run: the prompt, trusted when the sender is the owner
 *   ├─ context system               SAW  llm_input: the system prompt (hash and size)
 *   ├─ chat {model}                 DECIDED  model_call_started/ended, + usage, tool calls and output
 *   │                                        from the assistant message written after it (before_message_write)
 *   ├─ policy {tool}                DECIDED  policy mode (before_tool_call), or a block by anyone else
 *   │  └─ approval {tool}           DECIDED  requireApproval and its resolution
 *   │     └─ execute_tool {tool}    TOUCHED  after_tool_call — never under a denial
 *   ├─ execute_tool {tool}          TOUCHED  observe mode: before/after_tool_call
 *   │  └─ context {tool}            SAW  the tool result as it enters the context: source, trust, sensitivity
 *   ├─ task goal                    task state  the session goal a goal tool reported (create/update/get_goal),
 *   │                                           from that call to agent_end; completion never taken from the model
 *   └─ send_message {channel}       TOUCHED  message_sending/message_sent (channel paths)
 *
 * Every handler is contained by the caller (register.ts): a telemetry failure never reaches OpenClaw.
 */
import type { Span } from '@opentelemetry/api';
import { hashCanonical } from '../instrumentation/canonical-hash.ts';
import { startAgentInvocation, type AgentInvocationHandle } from '../instrumentation/record-agent.ts';
import { startApproval, type ApprovalHandle } from '../instrumentation/record-approval.ts';
import { recordInbound, recordSeen, startContextLoad } from '../instrumentation/record-context.ts';
import { modelResultAttributes, startModelCall, type DecidedToolCall, type ModelCallHandle, type ModelCallResult } from '../instrumentation/record-model.ts';
import { startPolicyCheck, type PolicyDecision } from '../instrumentation/record-policy.ts';
import { startMessageSend, type MessageSendHandle } from '../instrumentation/record-send.ts';
import { startTask, type TaskHandle } from '../instrumentation/record-task.ts';
import { startToolCall } from '../instrumentation/record-tool.ts';
import type { HasContext } from '../instrumentation/recording.ts';
import { Flightrec, GenAI, OpenClaw, type ApprovalStatus } from '../instrumentation/semconv.ts';
import { UNKNOWN_TOOL, refineForCall, targetResourceOf, type OpenClawToolSpec } from './builtin-tools.ts';
import type { PluginConfig } from './config.ts';
import type { PluginTelemetry } from './exporter.ts';
import { completionOfGoal, goalFromToolResult, type GoalState } from './goal-task.ts';
import type * as H from './hook-types.ts';
import { approvalSeverity, decide } from './policy.ts';
import { resultProvenance, resultText } from './provenance.ts';
import { DISPATCHER_TOOLS, dispatcherCallId } from './tool-dispatch.ts';
import { openclawParent } from './trace-parent.ts';

const PLUGIN_ID = 'flightrec';

interface ChatState {
  readonly callId: string;
  readonly handle: ModelCallHandle;
  endTime?: number;
  details?: ModelCallResult;
  done: boolean;
}

interface ToolState {
  /** What the execute_tool span hangs under: the approval, the policy check, or the run. */
  parent: HasContext;
  denied: boolean;
  approval?: ApprovalHandle;
}

interface RunState {
  readonly runId: string;
  readonly agent: AgentInvocationHandle;
  readonly sessionKey?: string;
  readonly chats: ChatState[];
  readonly tools: Map<string, ToolState>;
  /** Dispatcher (`tool_call`) call ids that forwarded to a tool whose own hooks fired. */
  readonly dispatched: Set<string>;
  /** Set by agent_end; the span is ended then, llm_output only flushes. */
  ended: boolean;
  /** The session goal this run has reported on, as a task span ended with the run. */
  goal?: { readonly task: TaskHandle; state: GoalState };
  sawPrompt: boolean;
  sawSystem: boolean;
}

export interface RecorderDeps {
  readonly config: PluginConfig;
  /** Started on first use (see exporter.ts). */
  readonly telemetry: () => PluginTelemetry;
}

function idAttrs(ids: { runId?: string; sessionKey?: string; sessionId?: string; agentId?: string }): Record<string, string> {
  const a: Record<string, string> = {};
  if (ids.runId) a[OpenClaw.runId] = ids.runId;
  if (ids.sessionKey) a[OpenClaw.sessionKey] = ids.sessionKey;
  if (ids.sessionId) a[OpenClaw.sessionId] = ids.sessionId;
  if (ids.agentId) a[OpenClaw.agentId] = ids.agentId;
  return a;
}

/** The assistant message OpenClaw writes after each model call: usage, stop reason, tool calls. */
function assistantDetails(message: unknown): ModelCallResult | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as { role?: unknown; content?: unknown; usage?: { input?: number; output?: number; cacheRead?: number }; stopReason?: unknown; responseId?: unknown; model?: unknown };
  if (m.role !== 'assistant') return undefined;
  const toolCalls: DecidedToolCall[] = [];
  if (Array.isArray(m.content)) {
    for (const part of m.content as { type?: unknown; id?: unknown; name?: unknown; arguments?: unknown }[]) {
      if (part?.type === 'toolCall' && typeof part.name === 'string') toolCalls.push({ id: typeof part.id === 'string' ? part.id : undefined, name: part.name, arguments: part.arguments });
    }
  }
  return {
    responseModel: typeof m.model === 'string' ? m.model : undefined,
    responseId: typeof m.responseId === 'string' ? m.responseId : undefined,
    inputTokens: typeof m.usage?.input === 'number' ? m.usage.input : undefined,
    outputTokens: typeof m.usage?.output === 'number' ? m.usage.output : undefined,
    cacheReadInputTokens: typeof m.usage?.cacheRead === 'number' ? m.usage.cacheRead : undefined,
    finishReasons: typeof m.stopReason === 'string' ? [m.stopReason] : undefined,
    toolCalls,
    outputMessages: Array.isArray(m.content) ? [{ role: 'assistant', content: m.content }] : undefined,
  };
}

function blockedDetails(result: unknown): { deniedReason?: string; reason?: string } | undefined {
  const d = (result as { details?: { status?: unknown; deniedReason?: unknown; reason?: unknown } } | undefined)?.details;
  if (d?.status !== 'blocked') return undefined;
  return { deniedReason: typeof d.deniedReason === 'string' ? d.deniedReason : undefined, reason: typeof d.reason === 'string' ? d.reason : undefined };
}

function approvalStatusOf(decision: H.ApprovalDecision): ApprovalStatus {
  return decision === 'allow-once' || decision === 'allow-always' ? 'approved' : decision === 'timeout' ? 'expired' : 'denied';
}

export class RunRecorder {
  readonly #deps: RecorderDeps;
  readonly #runs = new Map<string, RunState>();
  /** sessionKey → the run in progress, for hooks that carry no run id (before_message_write, messages). */
  readonly #runBySession = new Map<string, string>();
  /** Sessions that have taken in untrusted content: their compaction summaries are untrusted too. */
  readonly #taintedSessions = new Set<string>();
  readonly #sends = new Map<string, MessageSendHandle[]>();

  constructor(deps: RecorderDeps) {
    this.#deps = deps;
  }

  get #tracer() {
    return this.#deps.telemetry().tracer;
  }

  #spec(toolName: string, params?: Readonly<Record<string, unknown>>): OpenClawToolSpec {
    return refineForCall(toolName, this.#deps.config.tools[toolName] ?? UNKNOWN_TOOL, params);
  }

  /** The run for these ids, started on the first hook that names it. */
  #run(runId: string | undefined, ctx: H.AgentCtx | H.ToolCtx, extra: { sessionId?: string } = {}): RunState | undefined {
    if (!runId) return undefined;
    const existing = this.#runs.get(runId);
    if (existing) return existing;
    const agentName = ctx.agentId ?? 'openclaw';
    const sessionId = ctx.sessionId ?? extra.sessionId;
    const agent = startAgentInvocation(
      { agentName, agentId: ctx.agentId, conversationId: sessionId ?? ctx.sessionKey },
      { tracer: this.#tracer, parent: openclawParent(ctx.trace) },
    );
    const a = ctx as H.AgentCtx;
    agent.span.setAttributes({
      ...idAttrs({ runId, sessionKey: ctx.sessionKey, sessionId, agentId: ctx.agentId }),
      ...(a.trigger ? { [OpenClaw.trigger]: a.trigger } : {}),
      ...(a.channel || a.messageProvider ? { [Flightrec.channel]: a.channel ?? a.messageProvider ?? '' } : {}),
      ...(a.modelProviderId ? { [OpenClaw.provider]: a.modelProviderId } : {}),
      ...(a.modelId ? { [OpenClaw.model]: a.modelId } : {}),
    });
    const run: RunState = { runId, agent, sessionKey: ctx.sessionKey, chats: [], tools: new Map(), dispatched: new Set(), ended: false, sawPrompt: false, sawSystem: false };
    this.#runs.set(runId, run);
    if (ctx.sessionKey) this.#runBySession.set(ctx.sessionKey, runId);
    return run;
  }

  #runForSession(sessionKey: string | undefined): RunState | undefined {
    const runId = sessionKey ? this.#runBySession.get(sessionKey) : undefined;
    const run = runId ? this.#runs.get(runId) : undefined;
    return run && !run.ended ? run : undefined;
  }

  #taint(run: RunState | undefined): void {
    if (run?.sessionKey) this.#taintedSessions.add(run.sessionKey);
  }

  // ---- agent lifecycle ------------------------------------------------------------------------

  runStarting(ctx: H.AgentCtx): void {
    this.#run(ctx.runId, ctx);
  }

  beforeAgentRun(event: H.BeforeAgentRunEvent, ctx: H.AgentCtx): void {
    const run = this.#run(ctx.runId, ctx);
    if (!run || run.sawPrompt) return;
    run.sawPrompt = true;
    const trusted = event.senderIsOwner !== false && !(event.senderId && !event.senderIsOwner && !this.#deps.config.trustedSenders.includes(event.senderId));
    if (!trusted) this.#taint(run);
    recordInbound({
      source: event.channelId || ctx.channelId ? 'channel_message' : 'user_message',
      trust: trusted ? 'trusted' : 'untrusted',
      channel: event.channelId ?? ctx.channelId ?? ctx.channel,
      actor: event.senderId ?? ctx.senderId,
      name: 'prompt',
      content: event.prompt,
    }, { tracer: this.#tracer, parent: run.agent });
  }

  llmInput(event: H.LlmInputEvent, ctx: H.AgentCtx): void {
    const run = this.#run(event.runId, ctx, { sessionId: event.sessionId });
    if (!run) return;
    if (!run.sawPrompt) {
      // before_agent_run did not fire (older OpenClaw): the prompt as the model gets it.
      this.beforeAgentRun({ prompt: event.prompt }, ctx);
    }
    if (!run.sawSystem && event.systemPrompt) {
      run.sawSystem = true;
      const seen = startContextLoad({ source: 'system', trust: 'trusted', name: 'system_prompt' }, { tracer: this.#tracer, parent: run.agent });
      seen.span.setAttribute(OpenClaw.toolsOffered, Array.isArray(event.tools) ? event.tools.length : 0);
      seen.end({ content: event.systemPrompt });
    }
  }

  async agentEnd(event: H.AgentEndEvent, ctx: H.AgentCtx): Promise<void> {
    const run = this.#run(event.runId ?? ctx.runId, ctx);
    if (!run || run.ended) return;
    const now = Date.now();
    for (const chat of run.chats) this.#finishChat(chat, chat.endTime ?? now);
    for (const [id, tool] of run.tools) {
      tool.approval?.end();
      run.tools.delete(id);
    }
    run.ended = true;
    this.#endGoal(run);
    if (event.durationMs !== undefined) run.agent.span.setAttribute(OpenClaw.durationMs, event.durationMs);
    if (event.success) run.agent.end();
    else run.agent.fail(new Error(event.error ?? 'agent run failed'));
    this.#runs.delete(run.runId);
    if (run.sessionKey && this.#runBySession.get(run.sessionKey) === run.runId) this.#runBySession.delete(run.sessionKey);
    await this.flush();
  }

  /** llm_output arrives after agent_end (OBSERVED): nothing left to record, but export before the CLI exits. */
  async llmOutput(): Promise<void> {
    await this.flush();
  }

  flush(): Promise<void> {
    return this.#deps.telemetry().flush(this.#deps.config.flushTimeoutMs);
  }

  // ---- model calls ----------------------------------------------------------------------------

  modelCallStarted(event: H.ModelCallEvent, ctx: H.AgentCtx): void {
    const run = this.#run(event.runId, ctx, { sessionId: event.sessionId });
    if (!run) return;
    const handle = startModelCall({ provider: event.provider, model: event.model }, { tracer: this.#tracer, parent: run.agent });
    handle.span.setAttributes({
      [OpenClaw.callId]: event.callId,
      ...(event.api ? { [OpenClaw.api]: event.api } : {}),
      ...(event.transport ? { [OpenClaw.transport]: event.transport } : {}),
    });
    run.chats.push({ callId: event.callId, handle, done: false });
  }

  modelCallEnded(event: H.ModelCallEndedEvent, ctx: H.AgentCtx): void {
    const run = this.#run(event.runId, ctx, { sessionId: event.sessionId });
    const chat = run?.chats.find((c) => !c.done && c.callId === event.callId);
    if (!chat) return;
    chat.endTime = Date.now();
    const bytes = {
      ...(event.requestPayloadBytes !== undefined ? { [OpenClaw.requestBytes]: event.requestPayloadBytes } : {}),
      ...(event.responseStreamBytes !== undefined ? { [OpenClaw.responseBytes]: event.responseStreamBytes } : {}),
    };
    chat.handle.span.setAttributes(bytes);
    if (event.outcome === 'error') {
      chat.done = true;
      chat.handle.span.setAttributes({ ...(event.errorCategory ? { [OpenClaw.errorCategory]: event.errorCategory } : {}), ...(event.failureKind ? { [OpenClaw.failureKind]: event.failureKind } : {}) });
      chat.handle.fail(new Error(event.failureKind ?? event.errorCategory ?? 'model call failed'));
      return;
    }
    // The usage and tool calls come with the assistant message written next; end then (or at the next step).
    if (chat.details) this.#finishChat(chat, chat.endTime);
  }

  messageWrite(event: H.MessageWriteEvent, ctx: H.MessageWriteCtx): void {
    const details = assistantDetails(event.message);
    if (!details) return;
    const run = this.#runForSession(ctx.sessionKey);
    const chat = run?.chats.find((c) => !c.done && !c.details);
    if (!chat) return;
    chat.details = details;
    if (chat.endTime !== undefined) this.#finishChat(chat, chat.endTime);
  }

  #finishChat(chat: ChatState, endTime: number): void {
    if (chat.done) return;
    chat.done = true;
    // Ended on the span itself (the handle's end() takes no time) so the span ends when the call did,
    // not when the assistant message was written.
    chat.handle.span.setAttributes(modelResultAttributes(chat.details));
    chat.handle.span.end(endTime);
  }

  #settleChats(run: RunState): void {
    for (const chat of run.chats) if (chat.endTime !== undefined) this.#finishChat(chat, chat.endTime);
  }

  // ---- tools ----------------------------------------------------------------------------------

  beforeToolCall(event: H.BeforeToolCallEvent, ctx: H.ToolCtx): H.BeforeToolCallResult | undefined {
    const run = this.#run(event.runId ?? ctx.runId, ctx);
    if (!run) return undefined;
    this.#settleChats(run);
    const callId = event.toolCallId ?? ctx.toolCallId ?? `${event.toolName}:${run.tools.size}`;
    const via = dispatcherCallId(callId);
    if (via) run.dispatched.add(via);
    const policy = this.#deps.config.policy;
    // The dispatcher is not the action: the forwarded tool's own before_tool_call gets the verdict.
    if (policy.mode !== 'enforce' || DISPATCHER_TOOLS.has(event.toolName)) {
      run.tools.set(callId, { parent: run.agent, denied: false });
      return undefined;
    }
    const spec = this.#spec(event.toolName, event.params);
    const decision = decide(policy, event.toolName, spec);
    const check = this.#policyCheck(run, event.toolName, policy.name, decision, spec, event.toolCallId, event.params);
    if (decision.verdict === 'deny') {
      run.tools.set(callId, { parent: check, denied: true });
      return { block: true, blockReason: decision.reason ?? `denied by ${policy.name}` };
    }
    if (decision.verdict === 'require_approval') {
      const approval = startApproval({ action: event.toolName, subject: { tool: event.toolName, params: event.params } }, { tracer: this.#tracer, parent: check });
      const state: ToolState = { parent: approval, denied: false, approval };
      run.tools.set(callId, state);
      return {
        requireApproval: {
          title: `${event.toolName}: approval required`,
          description: decision.reason ?? `${event.toolName} needs approval`,
          severity: approvalSeverity(spec),
          timeoutMs: policy.approvalTimeoutMs,
          pluginId: PLUGIN_ID,
          onResolution: (d) => {
            const status = approvalStatusOf(d);
            state.denied = status !== 'approved';
            approval.end({ status, reason: d });
          },
        },
      };
    }
    run.tools.set(callId, { parent: check, denied: false });
    return undefined;
  }

  /** A policy verdict as a DECIDED span, with the effect and risk of the action it is about. */
  #policyCheck(run: RunState, toolName: string, policyName: string, decision: PolicyDecision, spec: OpenClawToolSpec, callId: string | undefined, params: unknown): HasContext {
    const check = startPolicyCheck({ action: toolName, policy: policyName, effect: spec.effect, risk: spec.risk, targetSystem: spec.targetSystem }, { tracer: this.#tracer, parent: run.agent });
    check.span.setAttributes({
      ...(callId ? { [GenAI.toolCallId]: callId } : {}),
      ...argsHash(params),
    });
    check.end(decision);
    return check;
  }

  afterToolCall(event: H.AfterToolCallEvent, ctx: H.ToolCtx): void {
    const run = this.#run(event.runId ?? ctx.runId, ctx);
    if (!run) return;
    const callId = event.toolCallId ?? ctx.toolCallId;
    const state = callId ? run.tools.get(callId) : undefined;
    if (callId) run.tools.delete(callId);
    // The forwarded call was recorded under its own name; a second span (and a second copy of its
    // result as SAW) would count one action twice.
    if (callId && DISPATCHER_TOOLS.has(event.toolName) && run.dispatched.delete(callId)) return;
    const spec = this.#spec(event.toolName, event.params);
    const now = Date.now();
    const blocked = blockedDetails(event.result);
    if (blocked || state?.denied) {
      // Denied: a decided record, and no execute_tool span — the tool never ran.
      if (state?.approval) {
        // Not approved (denied, timed out, or no approver reachable): a second end is ignored.
        state.approval.end({ status: 'denied', reason: blocked?.deniedReason ?? event.error });
      } else if (!state?.denied) {
        // Blocked by someone else: OpenClaw's own tool policy, another plugin, a loop detector.
        this.#policyCheck(run, event.toolName, 'openclaw', { verdict: 'deny', rule: blocked?.deniedReason, reason: blocked?.reason ?? event.error }, spec, callId, event.params);
      }
      return;
    }
    const startTime = event.durationMs !== undefined ? now - event.durationMs : now;
    const tool = startToolCall({
      name: event.toolName,
      callId,
      arguments: event.params,
      targetResource: targetResourceOf(event.params),
      spec: { effect: spec.effect, risk: spec.risk, reversible: spec.reversible, targetSystem: spec.targetSystem },
    }, { tracer: this.#tracer, parent: state?.parent ?? run.agent, startTime });
    const text = resultText(event.result);
    const failed = event.error !== undefined || isFailedExec(event.result);
    if (failed) tool.fail(new Error(event.error ?? 'tool reported failure'));
    else tool.end(event.result);
    const goal = failed ? undefined : goalFromToolResult(event.toolName, event.result);
    if (goal) this.#goalReported(run, goal, startTime);
    if (text === undefined) return;
    // The result enters the agent's context: what it saw, with provenance.
    const path = typeof event.params.path === 'string' ? event.params.path : typeof event.params.file_path === 'string' ? event.params.file_path : undefined;
    const prov = resultProvenance(spec, path, text, { ...this.#deps.config, redactor: this.#deps.telemetry().redactor });
    if (prov.trust === 'untrusted') this.#taint(run);
    recordSeen({
      source: prov.source,
      trust: prov.trust,
      sensitivity: prov.sensitivity,
      uri: targetResourceOf(event.params),
      name: event.toolName,
      content: text,
    }, { tracer: this.#tracer, parent: tool });
  }

  // ---- session goals (task state) -------------------------------------------------------------

  #goalReported(run: RunState, goal: GoalState, at: number): void {
    if (run.goal && run.goal.state.id === goal.id) {
      run.goal.state = goal;
      return;
    }
    // Another goal replaced the one this run had (cleared and created anew): close the old one first.
    this.#endGoal(run);
    const task = startTask({ id: goal.id, name: 'goal' }, { tracer: this.#tracer, parent: run.agent, startTime: at });
    run.goal = { task, state: goal };
  }

  #endGoal(run: RunState): void {
    const goal = run.goal;
    if (!goal) return;
    run.goal = undefined;
    goal.task.span.setAttributes({
      [OpenClaw.goalStatus]: goal.state.status,
      ...(goal.state.note !== undefined ? { [OpenClaw.goalNoteSha256]: hashCanonical(goal.state.note) } : {}),
    });
    goal.task.complete({ completion: completionOfGoal(goal.state.status) });
    goal.task.end();
  }

  // ---- channel messages -----------------------------------------------------------------------

  messageReceived(event: H.MessageReceivedEvent, ctx: H.MessageCtx): void {
    const sender = event.senderId ?? event.from;
    const trusted = this.#deps.config.trustedSenders.includes(sender);
    const run = this.#runs.get(event.runId ?? ctx.runId ?? '') ?? this.#runForSession(event.sessionKey ?? ctx.sessionKey);
    const parent = run?.agent ?? openclawParent(event.trace ?? ctx.trace);
    recordInbound({
      source: 'channel_message',
      trust: trusted ? 'trusted' : 'untrusted',
      channel: ctx.channelId,
      actor: sender,
      content: event.content,
      contentRef: event.messageId ?? ctx.messageId,
      producedAt: event.timestamp,
    }, { tracer: this.#tracer, parent });
    if (!trusted && (event.sessionKey ?? ctx.sessionKey)) this.#taintedSessions.add((event.sessionKey ?? ctx.sessionKey)!);
  }

  messageSending(event: H.MessageSendingEvent, ctx: H.MessageCtx): void {
    const run = this.#runs.get(ctx.runId ?? '') ?? this.#runForSession(ctx.sessionKey);
    const handle = startMessageSend({ channel: ctx.channelId, recipients: [event.to], content: event.content, targetResource: ctx.conversationId ?? event.to },
      { tracer: this.#tracer, parent: run?.agent ?? openclawParent(ctx.trace) });
    handle.span.setAttributes(idAttrs({ sessionKey: ctx.sessionKey, runId: ctx.runId }));
    const key = `${ctx.channelId}\u0000${event.to}`;
    this.#sends.set(key, [...(this.#sends.get(key) ?? []), handle]);
  }

  messageSent(event: H.MessageSentEvent, ctx: H.MessageCtx): void {
    const key = `${ctx.channelId}\u0000${event.to}`;
    const queue = this.#sends.get(key) ?? [];
    let handle = queue.shift();
    if (queue.length === 0) this.#sends.delete(key);
    if (!handle) {
      // message_sending is skipped on some paths: record the send when it is reported.
      this.messageSending({ to: event.to, content: event.content }, ctx);
      handle = this.#sends.get(key)?.shift();
      this.#sends.delete(key);
    }
    if (!handle) return;
    if (event.messageId) handle.span.setAttribute(Flightrec.idempotencyKey, event.messageId);
    if (event.success) handle.end();
    else handle.fail(new Error(event.error ?? 'message not delivered'));
  }

  // ---- sessions, compaction, gateway ------------------------------------------------------------

  sessionEvent(name: 'session_start' | 'session_end', event: H.SessionStartEvent | H.SessionEndEvent, ctx: H.SessionCtx): void {
    const span = this.#tracer.startSpan(`openclaw ${name}`, {
      attributes: {
        ...idAttrs({ sessionKey: event.sessionKey ?? ctx.sessionKey, sessionId: event.sessionId, agentId: ctx.agentId }),
        [GenAI.conversationId]: event.sessionId,
        ...('messageCount' in event ? { [OpenClaw.messageCount]: event.messageCount } : {}),
        ...('reason' in event && event.reason ? { [OpenClaw.sessionReason]: event.reason } : {}),
      },
    });
    span.end();
    if (name === 'session_end' && (event.sessionKey ?? ctx.sessionKey)) this.#taintedSessions.delete((event.sessionKey ?? ctx.sessionKey)!);
  }

  /** A compaction replaces history with a summary the agent sees from then on: a SAW record. */
  compaction(event: H.CompactionEvent, ctx: H.AgentCtx): void {
    const run = this.#run(ctx.runId, ctx) ?? this.#runForSession(ctx.sessionKey);
    const tainted = ctx.sessionKey ? this.#taintedSessions.has(ctx.sessionKey) : true;
    const load = startContextLoad({ source: 'memory', trust: tainted ? 'untrusted' : 'trusted', name: 'compaction' }, { tracer: this.#tracer, parent: run?.agent ?? openclawParent(ctx.trace) });
    load.span.setAttributes({
      [OpenClaw.messageCount]: event.messageCount,
      ...(event.compactedCount !== undefined ? { [OpenClaw.compactedCount]: event.compactedCount } : {}),
      ...(event.tokenCount !== undefined ? { [OpenClaw.compactionTokens]: event.tokenCount } : {}),
      ...idAttrs({ sessionKey: ctx.sessionKey, sessionId: ctx.sessionId, runId: ctx.runId }),
    });
    load.end();
  }

  gatewayEvent(name: 'gateway_start' | 'gateway_stop', attrs: Record<string, string | number>): void {
    const span: Span = this.#tracer.startSpan(`openclaw ${name}`, { attributes: attrs });
    span.end();
  }

  /** Runs still open (tests, shutdown). */
  openRuns(): number {
    return this.#runs.size;
  }
}

function argsHash(params: unknown): Record<string, string> {
  try {
    return { [Flightrec.argumentsSha256]: hashCanonical(params) };
  } catch {
    return {};
  }
}

function isFailedExec(result: unknown): boolean {
  const d = (result as { details?: { status?: unknown; exitCode?: unknown } } | undefined)?.details;
  return d?.status === 'failed' || (typeof d?.exitCode === 'number' && d.exitCode !== 0);
}

