/**
 * The parts of OpenClaw's hook events and contexts the plugin reads (openclaw@2026.9.6,
 * dist/hook-runner-global-*.d.ts). Structural subsets: register.ts passes OpenClaw's real
 * event/context objects in, so `tsc` checks these against the published types.
 */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly traceFlags?: string;
}

export interface AgentCtx {
  readonly runId?: string;
  readonly trace?: TraceContext;
  readonly agentId?: string;
  readonly sessionKey?: string;
  readonly sessionId?: string;
  readonly modelProviderId?: string;
  readonly modelId?: string;
  readonly messageProvider?: string;
  readonly channel?: string;
  readonly channelId?: string;
  readonly senderId?: string;
  readonly trigger?: string;
}

export interface BeforeAgentRunEvent {
  readonly prompt: string;
  readonly channelId?: string;
  readonly senderId?: string;
  readonly senderIsOwner?: boolean;
}

export interface LlmInputEvent {
  readonly runId: string;
  readonly sessionId: string;
  readonly provider: string;
  readonly model: string;
  readonly systemPrompt?: string;
  readonly prompt: string;
  readonly tools?: unknown[];
}

export interface LlmOutputEvent {
  readonly runId: string;
  readonly sessionId: string;
}

export interface ModelCallEvent {
  readonly runId: string;
  readonly callId: string;
  readonly sessionKey?: string;
  readonly sessionId?: string;
  readonly provider: string;
  readonly model: string;
  readonly api?: string;
  readonly transport?: string;
}

export interface ModelCallEndedEvent extends ModelCallEvent {
  readonly durationMs: number;
  readonly outcome: 'completed' | 'error';
  readonly errorCategory?: string;
  readonly failureKind?: string;
  readonly requestPayloadBytes?: number;
  readonly responseStreamBytes?: number;
}

export interface AgentEndEvent {
  readonly runId?: string;
  readonly success: boolean;
  readonly error?: string;
  readonly durationMs?: number;
}

export interface ToolCtx {
  readonly agentId?: string;
  readonly sessionKey?: string;
  readonly sessionId?: string;
  readonly runId?: string;
  readonly trace?: TraceContext;
  readonly toolName: string;
  readonly toolCallId?: string;
  readonly channelId?: string;
}

export interface BeforeToolCallEvent {
  readonly toolName: string;
  readonly params: Record<string, unknown>;
  readonly runId?: string;
  readonly toolCallId?: string;
}

export interface AfterToolCallEvent {
  readonly toolName: string;
  readonly params: Record<string, unknown>;
  readonly runId?: string;
  readonly toolCallId?: string;
  readonly result?: unknown;
  readonly error?: string;
  readonly durationMs?: number;
}

export type ApprovalDecision = 'allow-once' | 'allow-always' | 'deny' | 'timeout' | 'cancelled';

export interface BeforeToolCallResult {
  block?: boolean;
  blockReason?: string;
  requireApproval?: {
    title: string;
    description: string;
    severity?: 'info' | 'warning' | 'critical';
    timeoutMs?: number;
    pluginId?: string;
    onResolution?: (decision: ApprovalDecision) => Promise<void> | void;
  };
}

export interface MessageCtx {
  readonly channelId: string;
  readonly accountId?: string;
  readonly conversationId?: string;
  readonly sessionKey?: string;
  readonly runId?: string;
  readonly messageId?: string;
  readonly senderId?: string;
  readonly trace?: TraceContext;
}

export interface MessageReceivedEvent {
  readonly from: string;
  readonly content: string;
  readonly timestamp?: number;
  readonly messageId?: string;
  readonly senderId?: string;
  readonly sessionKey?: string;
  readonly runId?: string;
  readonly trace?: TraceContext;
}

export interface MessageSendingEvent {
  readonly to: string;
  readonly content: string;
}

export interface MessageSentEvent {
  readonly to: string;
  readonly content: string;
  readonly success: boolean;
  readonly messageId?: string;
  readonly sessionKey?: string;
  readonly runId?: string;
  readonly trace?: TraceContext;
  readonly error?: string;
}

export interface MessageWriteEvent {
  readonly message: unknown;
}

export interface MessageWriteCtx {
  readonly agentId?: string;
  readonly sessionKey?: string;
}

export interface SessionCtx {
  readonly agentId?: string;
  readonly sessionId: string;
  readonly sessionKey?: string;
}

export interface SessionStartEvent {
  readonly sessionId: string;
  readonly sessionKey?: string;
  readonly resumedFrom?: string;
}

export interface SessionEndEvent {
  readonly sessionId: string;
  readonly sessionKey?: string;
  readonly messageCount: number;
  readonly durationMs?: number;
  readonly reason?: string;
}

export interface CompactionEvent {
  readonly messageCount: number;
  readonly tokenCount?: number;
  readonly compactedCount?: number;
}
