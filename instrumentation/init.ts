/**
 * Tracer setup on `@opentelemetry/sdk-node`, configured by the standard OTEL_* variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, …) unless overridden here.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { GenAI } from './semconv.ts';

export const INSTRUMENTATION_NAME = 'flightrec';
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface InitOptions {
  /** `service.name`; defaults to OTEL_SERVICE_NAME, then the agent name. */
  readonly serviceName?: string;
  /** The agent's identity, recorded on the resource as gen_ai.agent.name / gen_ai.agent.id. */
  readonly agentName?: string;
  readonly agentId?: string;
  /** OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces; defaults to the OTEL_* variables. */
  readonly endpoint?: string;
  readonly headers?: Record<string, string>;
  /** Replace the OTLP exporter (tests, custom pipelines). */
  readonly exporter?: SpanExporter;
  /** Extra processors run before export (flightrec's redaction processor goes here). */
  readonly spanProcessors?: SpanProcessor[];
}

export interface Flightrec {
  readonly tracer: Tracer;
  readonly sdk: NodeSDK;
  /** Flush and stop; call before the process exits so the last spans are sent. */
  shutdown(): Promise<void>;
}

export function init(opts: InitOptions = {}): Flightrec {
  const exporter = opts.exporter ?? new OTLPTraceExporter({ url: opts.endpoint, headers: opts.headers });
  const attributes: Record<string, string> = {};
  const serviceName = opts.serviceName ?? process.env.OTEL_SERVICE_NAME ?? opts.agentName;
  if (serviceName) attributes['service.name'] = serviceName;
  if (opts.agentName) attributes[GenAI.agentName] = opts.agentName;
  if (opts.agentId) attributes[GenAI.agentId] = opts.agentId;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(attributes),
    spanProcessors: [...(opts.spanProcessors ?? []), new BatchSpanProcessor({ exporter })],
    // Only flightrec's own spans: auto-instrumentation of every library is the user's choice, not ours.
    instrumentations: [],
  });
  sdk.start();
  return {
    tracer: trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION),
    sdk,
    shutdown: () => sdk.shutdown(),
  };
}
