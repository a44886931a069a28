/**
 * The plugin's own tracer provider, started lazily on the first hook: under `openclaw agent --local`
 * plugin services never start, and OpenClaw calls register() several times per process (full and
 * discovery modes), so neither is a safe place to start an exporter.
 *
 * Private provider, never registered globally: OpenClaw's diagnostics-otel plugin (or anything else
 * in the process) keeps its own global provider, and no span goes out through both pipelines.
 * One provider per process, kept on globalThis so a second copy of this module (OpenClaw may load
 * the entry natively and again through jiti) reuses it instead of exporting twice.
 */
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { createPipeline } from '../instrumentation/pipeline.ts';
import type { Redactor } from '../instrumentation/redaction/redactor.ts';
import { INSTRUMENTATION_VERSION } from '../instrumentation/settings.ts';
import { tracesUrl, type PluginConfig } from './config.ts';

/** Instrumentation scope of the plugin's spans: tells them apart from diagnostics-otel's scope `openclaw`. */
export const PLUGIN_SCOPE = 'flightrec.openclaw';

export interface PluginTelemetry {
  readonly tracer: Tracer;
  readonly redactor: Redactor | undefined;
  /** Export what has ended; resolves within `timeoutMs` whatever the collector does. */
  flush(timeoutMs: number): Promise<void>;
  shutdown(): Promise<void>;
}

const KEY = Symbol.for('flightrec.openclaw.telemetry');
type Holder = { [KEY]?: PluginTelemetry };

export function startTelemetry(config: PluginConfig, exporter?: SpanExporter): PluginTelemetry {
  const holder = globalThis as Holder;
  const existing = holder[KEY];
  if (existing) return existing;
  const pipeline = createPipeline({
    exporter: exporter ?? new OTLPTraceExporter({ url: tracesUrl(config.endpoint), headers: config.headers ? { ...config.headers } : undefined }),
    redaction: config.redaction ? undefined : false,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: pipeline.spanProcessors,
  });
  const telemetry: PluginTelemetry = {
    tracer: provider.getTracer(PLUGIN_SCOPE, INSTRUMENTATION_VERSION),
    redactor: pipeline.redactor,
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
        timer.unref();
      });
      await Promise.race([provider.forceFlush().catch(() => undefined), timeout]);
      clearTimeout(timer);
    },
    async shutdown() {
      if (holder[KEY] === telemetry) delete holder[KEY];
      await provider.shutdown().catch(() => undefined);
    },
  };
  holder[KEY] = telemetry;
  // A CLI run may end without agent_end (crash, abort): export what there is on the way out.
  process.once('beforeExit', () => void telemetry.flush(config.flushTimeoutMs));
  return telemetry;
}

/** The running telemetry, if any (tests; gateway_stop). */
export function currentTelemetry(): PluginTelemetry | undefined {
  return (globalThis as Holder)[KEY];
}
