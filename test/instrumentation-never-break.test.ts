/**
 * Telemetry never breaks the agent: a failing or throwing exporter, a throwing span processor, a
 * throwing tracer, unserialisable values and buggy extractor callbacks — the wrapped call runs
 * exactly once and returns its own result; the telemetry errors are counted and logged once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { context, diag, DiagLogLevel, ROOT_CONTEXT, type ContextManager, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, TracerProvider, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { harness, type Harness } from './support/instrumentation-harness.ts';
import { configure, startToolCall, telemetryErrorCounts, telemetryErrorTotal, withAgent, wrapModelCall, wrapTool } from '../instrumentation/index.ts';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.shutdown();
  h = undefined;
  diag.disable();
});

const failingExporter: SpanExporter = {
  export: (_spans, cb) => cb({ code: 1, error: new Error('collector unreachable') }),
  shutdown: async () => {},
};
const throwingExporter: SpanExporter = {
  export: () => { throw new Error('exporter bug'); },
  shutdown: async () => { throw new Error('shutdown bug'); },
};
const throwingProcessor: SpanProcessor = {
  onStart: () => { throw new Error('onStart bug'); },
  onEnd: () => { throw new Error('onEnd bug'); },
  forceFlush: async () => { throw new Error('flush bug'); },
  shutdown: async () => {},
};

function countingTool() {
  const calls = { n: 0 };
  const result = { value: 42 };
  const fn = wrapTool(async (_x: string) => { calls.n++; return result; }, { name: 'counted' });
  return { calls, result, fn };
}

describe('never break the agent', () => {
  it('exporter reports failure: result returned, failure counted', async () => {
    h = harness({ exporter: failingExporter });
    const { calls, result, fn } = countingTool();
    expect(await fn('x')).toBe(result);
    await h.provider.forceFlush();
    expect(calls.n).toBe(1);
    expect(telemetryErrorCounts().get('exporter.result')).toBeGreaterThan(0);
  });

  it('exporter throws in export and shutdown: contained', async () => {
    h = harness({ exporter: throwingExporter });
    const { calls, result, fn } = countingTool();
    expect(await fn('x')).toBe(result);
    expect(calls.n).toBe(1);
    await h.provider.forceFlush();
    await expect(h.provider.shutdown()).resolves.toBeUndefined();
    expect(telemetryErrorCounts().get('exporter.export')).toBeGreaterThan(0);
  });

  it('a throwing span processor in the pipeline: result returned, other processors still export, logged once', async () => {
    const warnings: string[] = [];
    diag.setLogger({ warn: (m: string) => warnings.push(m), error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    h = harness({ spanProcessors: [throwingProcessor] });
    const { calls, result, fn } = countingTool();
    for (let i = 0; i < 3; i++) expect(await fn('x')).toBe(result);
    expect(calls.n).toBe(3);
    expect((await h.spans()).filter((s) => s.name === 'execute_tool counted')).toHaveLength(3);
    expect(telemetryErrorCounts().get('processor.onStart')).toBe(3);
    expect(telemetryErrorCounts().get('processor.onEnd')).toBe(3);
    expect(warnings.filter((w) => w.includes('processor.onStart'))).toHaveLength(1);
  });

  it('a throwing processor on a provider flightrec did not build (no containment there): the call still runs once', async () => {
    h = harness();
    const memory = new InMemorySpanExporter();
    const raw = new TracerProvider({ spanProcessors: [throwingProcessor] });
    configure({ tracer: raw.getTracer('raw') });
    const { calls, result, fn } = countingTool();
    expect(await fn('x')).toBe(result);
    const err = new Error('tool error');
    await expect(wrapTool(async () => { throw err; }, { name: 'bad' })()).rejects.toBe(err);
    expect(calls.n).toBe(1);
    expect(telemetryErrorTotal()).toBeGreaterThan(0);
    await raw.shutdown();
    await memory.shutdown();
  });

  it('a tracer that throws: the call runs unrecorded, exactly once', async () => {
    h = harness();
    const broken = { startSpan: () => { throw new Error('tracer bug'); }, startActiveSpan: () => { throw new Error('tracer bug'); } } as unknown as Tracer;
    configure({ tracer: broken });
    const { calls, result, fn } = countingTool();
    expect(await fn('x')).toBe(result);
    expect(withAgent({ agentName: 'a', conversationId: 'c' }, () => 'sync result')).toBe('sync result');
    expect(calls.n).toBe(1);
    expect(telemetryErrorCounts().get('recording.start')).toBe(2);
  });

  it('unserialisable arguments and results (cycles, BigInt): the tool runs, the span has no hash/content for them', async () => {
    h = harness({ captureMode: 'full' });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const tool = wrapTool((v: unknown) => ({ echo: v, big: 10n }), { name: 'weird' });
    const r = tool(cyclic);
    expect(r.echo).toBe(cyclic);
    const r2 = tool(12345678901234567890n);
    expect(r2.big).toBe(10n);
    const spans = (await h.spans()).filter((s) => s.name === 'execute_tool weird');
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.attributes[Flightrec.argumentsSha256]).toBeUndefined();
      expect(s.attributes[GenAI.toolCallArguments]).toBeUndefined();
      expect(s.attributes[GenAI.toolCallResult]).toBeUndefined();
      expect(s.attributes[Flightrec.outcome]).toBe('ok');
    }
    expect(telemetryErrorCounts().get('tool.arguments.hash')).toBe(2);
  });

  it('buggy extractor callbacks (call id, arguments, model result) are contained', async () => {
    h = harness();
    const tool = wrapTool((x: number) => x + 1, {
      name: 'buggy',
      callId: () => { throw new Error('callId bug'); },
      arguments: () => { throw new Error('arguments bug'); },
      outcome: () => { throw new Error('outcome bug'); },
    });
    expect(tool(1)).toBe(2);
    const chat = wrapModelCall(async () => ({ text: 'hi' }), { provider: 'p', model: 'm', result: () => { throw new Error('result bug'); } });
    expect(await chat()).toEqual({ text: 'hi' });
    const s = await h.one('execute_tool buggy');
    expect(s.attributes[GenAI.toolCallId]).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.attributes[Flightrec.outcome]).toBe('unknown');
    expect((await h.one('chat m')).status.code).toBe(0);
  });

  it('a broken context manager (throwing before or after the call): the call runs once and its result is returned', async () => {
    h = harness();
    const broken = (when: 'before' | 'after'): ContextManager => ({
      active: () => ROOT_CONTEXT,
      with: (_ctx, fn, thisArg, ...args) => {
        if (when === 'before') throw new Error('context manager bug');
        fn.call(thisArg, ...args);
        throw new Error('context manager bug after');
      },
      bind: (_ctx, target) => target,
      enable() { return this; },
      disable() { return this; },
    });
    try {
      for (const when of ['before', 'after'] as const) {
        context.disable();
        context.setGlobalContextManager(broken(when));
        const { calls, result, fn } = countingTool();
        expect(await fn('x')).toBe(result);
        expect(calls.n).toBe(1);
      }
      expect(telemetryErrorCounts().get('recording.context')).toBe(2);
    } finally {
      context.disable();
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }
  });

  it('ending a recorder twice, or failing after end, is ignored', async () => {
    h = harness();
    const t = startToolCall({ name: 'twice' });
    t.end('a');
    t.end('b');
    t.fail(new Error('late'));
    const spans: ReadableSpan[] = (await h.spans()).filter((s) => s.name === 'execute_tool twice');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(0);
  });
});
