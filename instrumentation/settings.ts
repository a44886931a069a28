/**
 * The process-wide instrumentation settings that wrappers and recorders read at call time, so a
 * tool can be wrapped at import time and `init()` (or `configure()`) run later.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { captureModeFromEnv } from './capture-mode.ts';
import type { CaptureMode } from './semconv.ts';
import type { ToolCatalogue, ToolSpec } from './tool-catalogue.ts';
import type { Redactor } from './redaction/redactor.ts';

export const INSTRUMENTATION_NAME = 'flightrec';
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface Settings {
  readonly captureMode: CaptureMode;
  readonly tools: ToolCatalogue;
  /** Used by `redacted` capture mode; the export stage has its own (usually the same one). */
  readonly redactor: Redactor | undefined;
  /** The export stage redacts every span (init/createPipeline with redaction on): capture-time redaction then only needs the key-based part. */
  readonly exportRedaction: boolean;
  readonly tracer: Tracer | undefined;
}

export interface SettingsPatch {
  readonly captureMode?: CaptureMode;
  /** Merged into the catalogue (same name replaces). */
  readonly tools?: ToolCatalogue;
  readonly redactor?: Redactor;
  readonly exportRedaction?: boolean;
  readonly tracer?: Tracer;
}

let current: Settings = fresh();

function fresh(): Settings {
  let captureMode: CaptureMode = 'none';
  try {
    captureMode = captureModeFromEnv() ?? 'none';
  } catch {
    // A bad variable is reported by init(); here, stay at the safe default.
  }
  return { captureMode, tools: {}, redactor: undefined, exportRedaction: false, tracer: undefined };
}

export function settings(): Settings {
  return current;
}

export function configure(patch: SettingsPatch): Settings {
  current = {
    captureMode: patch.captureMode ?? current.captureMode,
    tools: patch.tools ? { ...current.tools, ...patch.tools } : current.tools,
    redactor: patch.redactor ?? current.redactor,
    exportRedaction: patch.exportRedaction ?? current.exportRedaction,
    tracer: patch.tracer ?? current.tracer,
  };
  return current;
}

/** Back to defaults (env capture mode, empty catalogue, global tracer) — tests. */
export function resetSettings(): void {
  current = fresh();
}

export function toolSpec(name: string): ToolSpec<never[]> | undefined {
  return current.tools[name];
}

export function tracerFor(override?: Tracer): Tracer {
  return override ?? current.tracer ?? trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
}
