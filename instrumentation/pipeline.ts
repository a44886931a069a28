/**
 * flightrec's span pipeline, usable without init() on any TracerProvider:
 *   AgentScopeSpanProcessor (conversation id onto every span)
 *   → the caller's processors (each contained)
 *   → Batch (or Simple) processor → redaction stage → contained exporter.
 */
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { AgentScopeSpanProcessor } from './agent-scope.ts';
import { ContainedSpanExporter, ContainedSpanProcessor } from './contained-pipeline.ts';
import { createRedactor, type RedactionConfig } from './redaction/default-redactor.ts';
import { RedactingSpanExporter } from './redaction/redacting-exporter.ts';
import type { Redactor } from './redaction/redactor.ts';

export interface PipelineOptions {
  readonly exporter: SpanExporter;
  /** Extra processors, run after the agent-scope processor and before export. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Redaction before export: on by default; `false` turns it off; a config tunes it. */
  readonly redaction?: RedactionConfig | Redactor | false;
  /** Export each span as it ends (tests, short CLIs) instead of in batches. */
  readonly simple?: boolean;
}

export interface Pipeline {
  readonly spanProcessors: SpanProcessor[];
  readonly redactor: Redactor | undefined;
}

function isRedactor(r: RedactionConfig | Redactor): r is Redactor {
  return typeof (r as Redactor).redactText === 'function';
}

export function createPipeline(opts: PipelineOptions): Pipeline {
  const redactor = opts.redaction === false ? undefined : opts.redaction && isRedactor(opts.redaction) ? opts.redaction : createRedactor(opts.redaction || {});
  const contained = new ContainedSpanExporter(opts.exporter);
  const exporter = redactor ? new RedactingSpanExporter(contained, redactor) : contained;
  const exportProcessor = opts.simple ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter });
  return {
    redactor,
    spanProcessors: [
      new AgentScopeSpanProcessor(),
      ...(opts.spanProcessors ?? []).map((p) => new ContainedSpanProcessor(p)),
      new ContainedSpanProcessor(exportProcessor),
    ],
  };
}
