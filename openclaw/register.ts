/**
 * Wires OpenClaw's hooks to the RunRecorder. Handlers are written against OpenClaw's published
 * plugin API type, so `tsc` checks every event and context field the recorder reads.
 *
 * register() runs several times per process (OBSERVED: once in `full` mode, then twice in
 * `discovery` mode per CLI run); see `shared` for how that never doubles a span.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import { configure } from '../instrumentation/settings.ts';
import { noteTelemetryError } from '../instrumentation/telemetry-errors.ts';
import { parsePluginConfig, type PluginConfig } from './config.ts';
import { currentTelemetry, startTelemetry, type PluginTelemetry } from './exporter.ts';
import type { BeforeToolCallResult } from './hook-types.ts';
import { RunRecorder } from './run-recorder.ts';

export interface RegisterOptions {
  /** Replace the OTLP exporter (tests). */
  readonly exporter?: SpanExporter;
}

type Warn = (message: string) => void;
const warned = new Set<string>();

function report(where: string, err: unknown, warn: Warn | undefined): void {
  noteTelemetryError(`openclaw.${where}`, err);
  // Once per place, in OpenClaw's own log: a broken recorder should be visible, not noisy.
  if (warn && !warned.has(where)) {
    warned.add(where);
    warn(`flightrec: ${where} not recorded: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function contained<T>(where: string, fn: () => T, fallback: T, warn?: Warn): T {
  try {
    return fn();
  } catch (err) {
    report(where, err, warn);
    return fallback;
  }
}

async function containedAsync(where: string, fn: () => Promise<void>, warn?: Warn): Promise<void> {
  try {
    await fn();
  } catch (err) {
    report(where, err, warn);
  }
}

/** True when OpenClaw's own diagnostics-otel plugin will export traces from this process too. */
export function diagnosticsOtelTracesOn(config: unknown): boolean {
  const c = config as { diagnostics?: { otel?: { enabled?: boolean; traces?: boolean } }; plugins?: { entries?: Record<string, { enabled?: boolean }> } } | undefined;
  const otel = c?.diagnostics?.otel;
  const pluginOff = c?.plugins?.entries?.['diagnostics-otel']?.enabled === false;
  return Boolean(otel?.enabled) && otel?.traces !== false && !pluginOff;
}

interface Shared {
  readonly recorder: RunRecorder;
  readonly config: PluginConfig;
  /** Events already handled, per hook: one event reaches every registration's handler. */
  readonly handled: WeakMap<object, Map<string, unknown>>;
}

const SHARED = Symbol.for('flightrec.openclaw.shared');
type SharedHolder = { [SHARED]?: Shared };

/**
 * The recorder every registration shares. OpenClaw calls register() once per registry it builds
 * (OBSERVED: `full`, then `discovery` twice per CLI run) and the agent runs on one of them, not
 * necessarily the `full` one; so every registration attaches handlers, all feed one recorder, and
 * each event object is handled once whichever registration's handler sees it first.
 */
function shared(config: PluginConfig, opts: RegisterOptions): Shared {
  const holder = globalThis as SharedHolder;
  const existing = holder[SHARED];
  if (existing) return existing;
  let telemetry: PluginTelemetry | undefined;
  const recorder = new RunRecorder({
    config,
    telemetry: () => {
      if (!telemetry) {
        telemetry = startTelemetry(config, opts.exporter);
        if (telemetry.redactor) configure({ redactor: telemetry.redactor });
      }
      return telemetry;
    },
  });
  const created: Shared = { recorder, config, handled: new WeakMap() };
  holder[SHARED] = created;
  return created;
}

/** Forget the shared recorder (tests that register again with another config). */
export function resetFlightrecPlugin(): void {
  delete (globalThis as SharedHolder)[SHARED];
}

export function registerFlightrec(api: OpenClawPluginApi, opts: RegisterOptions = {}): RunRecorder | undefined {
  if (process.env.FLIGHTREC_OPENCLAW_DEBUG === '1') api.logger.info(`flightrec: register (${api.registrationMode})`);
  // Metadata-only loads never run agents.
  if (api.registrationMode === 'cli-metadata' || api.registrationMode === 'setup-only') return undefined;
  let config: PluginConfig;
  try {
    config = parsePluginConfig(api.pluginConfig);
  } catch (err) {
    const message = (err as Error).message;
    api.logger.error(message);
    // A broken config that asked for a policy fails closed: no tool runs unchecked.
    const raw = api.pluginConfig as { policy?: unknown } | undefined;
    if (raw?.policy !== undefined) {
      api.on('before_tool_call', () => ({ block: true, blockReason: `flightrec policy unavailable: ${message}` }));
    }
    return undefined;
  }
  if (diagnosticsOtelTracesOn(api.config)) {
    api.logger.warn('flightrec: OpenClaw diagnostics-otel traces are on as well; both record the same runs in the same traces (scopes "openclaw" and "flightrec.openclaw"). See docs/openclaw.md, "Coexistence".');
  }
  if (config.captureMode) configure({ captureMode: config.captureMode });

  const { recorder, handled } = shared(config, opts);

  /** Run `fn` once per event object and hook; later registrations get the first result. */
  const once = <T>(hook: string, event: unknown, fn: () => T): T | undefined => {
    if (typeof event !== 'object' || event === null) return fn();
    let byHook = handled.get(event);
    if (!byHook) handled.set(event, (byHook = new Map()));
    if (byHook.has(hook)) return byHook.get(hook) as T;
    const result = fn();
    byHook.set(hook, result);
    return result;
  };

  const warn: Warn = (m) => api.logger.warn(m);
  const debug = process.env.FLIGHTREC_OPENCLAW_DEBUG === '1' ? (m: string) => api.logger.info(`flightrec: ${m}`) : undefined;
  const sync = (where: string, event: unknown, fn: () => void): void => {
    once(where, event, () => {
      debug?.(where);
      contained(where, fn, undefined, warn);
    });
  };
  const async = (where: string, event: unknown, fn: () => Promise<void>): Promise<void> =>
    once(where, event, () => {
      debug?.(where);
      return containedAsync(where, fn, warn);
    }) ?? Promise.resolve();

  api.on('agent_turn_prepare', (event, ctx) => sync('agent_turn_prepare', event, () => recorder.runStarting(ctx)));
  api.on('before_agent_run', (event, ctx) => sync('before_agent_run', event, () => recorder.beforeAgentRun(event, ctx)));
  api.on('llm_input', (event, ctx) => sync('llm_input', event, () => recorder.llmInput(event, ctx)));
  api.on('model_call_started', (event, ctx) => sync('model_call_started', event, () => recorder.modelCallStarted(event, ctx)));
  api.on('model_call_ended', (event, ctx) => sync('model_call_ended', event, () => recorder.modelCallEnded(event, ctx)));
  api.on('before_message_write', (event, ctx) => sync('before_message_write', event, () => recorder.messageWrite(event, ctx)));
  api.on('before_tool_call', (event, ctx): BeforeToolCallResult | undefined => {
    // Policy errors must not let a tool through: contained() falls back to a block in enforce mode.
    const fallback: BeforeToolCallResult | undefined = config.policy.mode === 'enforce' ? { block: true, blockReason: 'flightrec policy check failed' } : undefined;
    return once('before_tool_call', event, () => {
      debug?.('before_tool_call');
      return contained('before_tool_call', () => recorder.beforeToolCall(event, ctx), fallback, warn);
    });
  });
  api.on('after_tool_call', (event, ctx) => sync('after_tool_call', event, () => recorder.afterToolCall(event, ctx)));
  api.on('agent_end', (event, ctx) => async('agent_end', event, () => recorder.agentEnd(event, ctx)));
  api.on('llm_output', (event) => async('llm_output', event, () => recorder.llmOutput()));
  api.on('message_received', (event, ctx) => sync('message_received', event, () => recorder.messageReceived(event, ctx)));
  api.on('message_sending', (event, ctx) => sync('message_sending', event, () => recorder.messageSending(event, ctx)));
  api.on('message_sent', (event, ctx) => sync('message_sent', event, () => recorder.messageSent(event, ctx)));
  api.on('session_start', (event, ctx) => sync('session_start', event, () => recorder.sessionEvent('session_start', event, ctx)));
  api.on('session_end', (event, ctx) => async('session_end', event, async () => {
    recorder.sessionEvent('session_end', event, ctx);
    await recorder.flush();
  }));
  api.on('after_compaction', (event, ctx) => sync('after_compaction', event, () => recorder.compaction(event, ctx)));
  api.on('gateway_start', (event) => sync('gateway_start', event, () => recorder.gatewayEvent('gateway_start', { 'openclaw.gateway.port': event.port })));
  api.on('gateway_stop', (event) => async('gateway_stop', event, async () => {
    recorder.gatewayEvent('gateway_stop', event.reason ? { 'openclaw.gateway.reason': event.reason } : {});
    await currentTelemetry()?.shutdown();
  }));
  // In the Gateway, services do start: export from then on, and flush on the way down.
  api.registerService({
    id: 'flightrec-exporter',
    start: () => contained('service.start', () => void recorder.flush(), undefined, warn),
    stop: () => containedAsync('service.stop', async () => {
      await currentTelemetry()?.shutdown();
    }, warn),
  });
  return recorder;
}
