/**
 * flightrec instrumentation: the public API in one import.
 *
 *   import * as flightrec from 'flightrec/instrumentation';
 *   const fr = flightrec.init({ agentName: 'mail-agent', tools: { send_email: { effect: 'send', risk: 'high', reversible: false } } });
 */
// The init() handle is exported as FlightrecRuntime here, so that `Flightrec` is the attribute-name table from semconv.ts.
export { init, type InitOptions, type Flightrec as FlightrecRuntime } from './init.ts';
export { configure, resetSettings, settings, type Settings, type SettingsPatch } from './settings.ts';
export { createPipeline, type Pipeline, type PipelineOptions } from './pipeline.ts';
export { defineTools, type ToolSpec, type ToolCatalogue } from './tool-catalogue.ts';
export { parseCaptureMode, CAPTURE_ENV } from './capture-mode.ts';
export { AgentScopeSpanProcessor, type AgentScope } from './agent-scope.ts';
export { ContainedSpanExporter, ContainedSpanProcessor } from './contained-pipeline.ts';
export { telemetryErrorCounts, telemetryErrorTotal, resetTelemetryErrors } from './telemetry-errors.ts';
export { sha256Hex, canonicalJson, hashCanonical } from './canonical-hash.ts';
export type { HasContext, Parent, RecordingOptions } from './recording.ts';

// Recorders (start/end) and wrappers, by record kind.
export { startAgentInvocation, withAgent, wrapAgent, type AgentInvocationInfo, type AgentInvocationHandle } from './record-agent.ts';
export { startModelCall, wrapModelCall, type ModelCallInfo, type ModelCallResult, type ModelCallHandle, type DecidedToolCall, type WrapModelCallOptions } from './record-model.ts';
export { startToolCall, wrapTool, type ToolCallInfo, type ToolCallHandle, type ToolCallEnd, type WrapToolOptions } from './record-tool.ts';
export { startMessageSend, wrapMessageSend, type MessageSendInfo, type MessageSendHandle, type WrapMessageSendOptions } from './record-send.ts';
export { recordInbound, recordSeen, startContextLoad, wrapContextLoad, type SourceInfo, type SeenContent, type ContextLoadHandle, type WrapContextLoadOptions } from './record-context.ts';
export { startPolicyCheck, recordPolicyCheck, guard, withPolicy, PolicyDeniedError, type PolicyCheckInfo, type PolicyDecision, type PolicyCheckHandle, type GuardOptions } from './record-policy.ts';
export { startApproval, wrapApproval, type ApprovalRequest, type ApprovalOutcome, type ApprovalHandle, type WrapApprovalOptions } from './record-approval.ts';
export { startTask, withTask, withTaskStep, type TaskInfo, type TaskHandle, type TaskStepHandle, type CompletionReport } from './record-task.ts';

// Redaction.
export { createRedactor, defaultRedactor, DEFAULT_ALLOW_KEYS, RedactionTimeout, type RedactionConfig } from './redaction/default-redactor.ts';
export { luhnValid, isCardNumber, type ValueRule } from './redaction/value-rules.ts';
export { RULES as REDACTION_RULES, GITLEAKS_VERSION } from './redaction/rules/rules.generated.ts';
export type { GeneratedRule } from './redaction/rules/rule-types.ts';
export { RedactingSpanExporter, redactSpan } from './redaction/redacting-exporter.ts';
export { redactAttributes } from './redaction/redact-attributes.ts';
export type { Redactor, RedactionResult } from './redaction/redactor.ts';

export * from './semconv.ts';
