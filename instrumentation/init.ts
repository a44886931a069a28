/**
 * Tracer setup on `@opentelemetry/sdk-node`, configured by the standard OTEL_* variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT)
 * and FLIGHTREC_AGENT_NAME / FLIGHTREC_AGENT_ID / FLIGHTREC_REDACTION=off, unless overridden here.
 * `init()` with no arguments is the env-only setup.
 */
import { type Attributes, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { captureModeFromEnv } from './capture-mode.ts';
import { createPipeline } from './pipeline.ts';
import type { RedactionConfig } from './redaction/default-redactor.ts';
import { GenAI, type CaptureMode } from './semconv.ts';
import { configure, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, settings, tracerFor } from './settings.ts';
import { telemetryErrorCounts } from './telemetry-errors.ts';
import type { ToolCatalogue } from './tool-catalogue.ts';

export { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION };

export interface InitOptions {
  /** `service.name`; defaults to OTEL_SERVICE_NAME, then the agent name. */
  readonly serviceName?: string;
  readonly serviceVersion?: string;
  /** The agent's identity, recorded on the resource as gen_ai.agent.name / gen_ai.agent.id. */
  readonly agentName?: string;
  readonly agentId?: string;
  readonly agentVersion?: string;
  /** More resource attributes (deployment.environment.name, host, …). */
  readonly resourceAttributes?: Attributes;
  /** OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces; defaults to the OTEL_* variables. */
  readonly endpoint?: string;
  readonly headers?: Record<string, string>;
  /** Replace the OTLP exporter (tests, custom pipelines). */
  readonly exporter?: SpanExporter;
  /** Extra processors run before export. */
  readonly spanProcessors?: SpanProcessor[];
  /** Content capture: none (default) | hash | redacted | full; else OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT. */
  readonly captureMode?: CaptureMode;
  /** Effect, risk, target and reversibility per tool name. */
  readonly tools?: ToolCatalogue;
  /** Redaction before export: on unless `false` (or FLIGHTREC_REDACTION=off). */
  readonly redaction?: RedactionConfig | false;
  /** Export every span as it ends instead of in batches (short-lived CLIs, demos). */
  readonly simpleExport?: boolean;
}

export interface Flightrec {
  readonly tracer: Tracer;
  readonly sdk: NodeSDK;
  readonly captureMode: CaptureMode;
  /** Telemetry errors contained so far, per place (never thrown to the agent). */
  telemetryErrors(): ReadonlyMap<string, number>;
  /** Export what has ended so far. */
  forceFlush(): Promise<void>;
  /** Flush and stop; call before the process exits so the last spans are sent. */
  shutdown(): Promise<void>;
}

function envRedactionOff(): boolean {
  const v = process.env.FLIGHTREC_REDACTION?.trim().toLowerCase();
  return v === 'off' || v === 'false' || v === '0';
}

/**
 * FLIGHTREC_REDACTION=off turns redaction off unless the options say otherwise;
 * FLIGHTREC_REDACTION_KEY pseudonymises personal data (RedactionConfig.pseudonymKey) unless the
 * options set their own key.
 */
export function redactionFromEnv(given: InitOptions['redaction']): InitOptions['redaction'] {
  if (given === undefined && envRedactionOff()) return false;
  const key = process.env.FLIGHTREC_REDACTION_KEY;
  if (!key || given === false) return given;
  if (given?.pseudonymKey !== undefined) return given;
  return { ...given, pseudonymKey: key };
}

export function init(opts: InitOptions = {}): Flightrec {
  // A bad capture-mode variable is a configuration error: say so now, not on the first call.
  const captureMode = opts.captureMode ?? captureModeFromEnv() ?? 'none';
  const agentName = opts.agentName ?? process.env.FLIGHTREC_AGENT_NAME;
  const agentId = opts.agentId ?? process.env.FLIGHTREC_AGENT_ID;
  const attributes: Attributes = { ...opts.resourceAttributes };
  const serviceName = opts.serviceName ?? process.env.OTEL_SERVICE_NAME ?? agentName;
  if (serviceName) attributes['service.name'] = serviceName;
  if (opts.serviceVersion) attributes['service.version'] = opts.serviceVersion;
  if (agentName) attributes[GenAI.agentName] = agentName;
  if (agentId) attributes[GenAI.agentId] = agentId;
  if (opts.agentVersion) attributes[GenAI.agentVersion] = opts.agentVersion;

  const exporter = opts.exporter ?? new OTLPTraceExporter({ url: opts.endpoint, headers: opts.headers });
  const pipeline = createPipeline({
    exporter,
    spanProcessors: opts.spanProcessors,
    redaction: redactionFromEnv(opts.redaction),
    simple: opts.simpleExport,
  });
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(attributes),
    spanProcessors: pipeline.spanProcessors,
    // Only flightrec's own spans: auto-instrumentation of every library is the user's choice, not ours.
    instrumentations: [],
  });
  sdk.start();
  configure({ captureMode, tools: opts.tools, redactor: pipeline.redactor, exportRedaction: pipeline.redactor !== undefined });
  const tracer = tracerFor();
  return {
    tracer,
    sdk,
    captureMode: settings().captureMode,
    telemetryErrors: telemetryErrorCounts,
    forceFlush: async () => {
      for (const p of pipeline.spanProcessors) await p.forceFlush();
    },
    shutdown: () => sdk.shutdown(),
  };
}
