/**
 * Every wrapper shape: sync, async, streaming (async iterables) and thrown errors. The agent's own
 * values and errors pass through as the same objects, types are kept, and the span records what
 * happened.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { harness, type Harness } from './support/instrumentation-harness.ts';
import { wrapModelCall, wrapTool } from '../instrumentation/index.ts';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';

let h: Harness;
afterEach(async () => {
  await h?.shutdown();
});

class ToolError extends Error {
  readonly code = 'E_TOOL';
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

describe('wrapper shapes', () => {
  it('sync: returns the same object, keeps `this` and types, ends the span', async () => {
    h = harness();
    const obj = { n: 1 };
    const self = { factor: 3, mul(this: { factor: number }, x: number) { return { v: x * this.factor, obj }; } };
    const wrapped = wrapTool(self.mul, { name: 'mul' });
    expectTypeOf(wrapped).toEqualTypeOf<(x: number) => { v: number; obj: { n: number } }>();
    const r = wrapped.call(self, 2);
    expect(r.v).toBe(6);
    expect(r.obj).toBe(obj);
    const s = await h.one('execute_tool mul');
    expect(s.status.code).toBe(0);
    expect(s.attributes[Flightrec.outcome]).toBe('ok');
  });

  it('async: resolves to the same object', async () => {
    h = harness();
    const obj = { ok: true };
    const wrapped = wrapTool(async (_x: string) => obj, { name: 'a' });
    expectTypeOf(wrapped).returns.toEqualTypeOf<Promise<{ ok: boolean }>>();
    expect(await wrapped('x')).toBe(obj);
    expect((await h.one('execute_tool a')).attributes[Flightrec.outcome]).toBe('ok');
  });

  it('sync throw: the same error object is thrown and recorded', async () => {
    h = harness();
    const err = new ToolError('disk full');
    const wrapped = wrapTool((): number => { throw err; }, { name: 'boom' });
    let caught: unknown;
    try {
      wrapped();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(err);
    const s = await h.one('execute_tool boom');
    expect(s.status).toMatchObject({ code: 2, message: 'disk full' });
    expect(s.attributes).toMatchObject({ [GenAI.errorType]: 'ToolError', [Flightrec.outcome]: 'error' });
    expect(s.events[0]!.attributes!['exception.message']).toBe('disk full');
  });

  it('async rejection, including non-Error values: same value rejected and recorded', async () => {
    h = harness();
    const err = new ToolError('timeout');
    await expect(wrapTool(async () => { throw err; }, { name: 'rej' })()).rejects.toBe(err);
    const odd = { weird: true };
    await expect(wrapTool(() => Promise.reject(odd), { name: 'rej2' })()).rejects.toBe(odd);
    expect((await h.one('execute_tool rej')).attributes[GenAI.errorType]).toBe('ToolError');
    expect((await h.one('execute_tool rej2')).attributes[GenAI.errorType]).toBe('object');
  });

  it('stream consumed to the end: span ends after the last chunk, counts chunks', async () => {
    h = harness();
    const log: string[] = [];
    async function* gen(n: number) {
      for (let i = 0; i < n; i++) {
        log.push(`yield ${i}`);
        yield i;
      }
    }
    const wrapped = wrapTool(gen, { name: 'stream' });
    expectTypeOf(wrapped).returns.toEqualTypeOf<AsyncGenerator<number, void, unknown>>();
    const it = wrapped(3);
    expect(await h.spans()).toHaveLength(0); // not ended before consumption
    const got: number[] = [];
    for await (const v of it) got.push(v);
    expect(got).toEqual([0, 1, 2]);
    const s = await h.one('execute_tool stream');
    expect(s.attributes).toMatchObject({ [Flightrec.streamChunks]: 3, [Flightrec.streamAborted]: false, [Flightrec.outcome]: 'ok' });
  });

  it('stream stopped early by the consumer: span ends, marked aborted, the source generator is closed', async () => {
    h = harness();
    let closed = false;
    async function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const v of wrapTool(gen, { name: 'endless' })()) if (v === 4) break;
    expect(closed).toBe(true);
    expect((await h.one('execute_tool endless')).attributes).toMatchObject({ [Flightrec.streamChunks]: 5, [Flightrec.streamAborted]: true, [Flightrec.outcome]: 'partial' });
  });

  it('stream that fails mid-way: the same error reaches the consumer and the span', async () => {
    h = harness();
    const err = new ToolError('connection reset');
    async function* gen() {
      yield 1;
      throw err;
    }
    let caught: unknown;
    try {
      for await (const _ of wrapTool(gen, { name: 'flaky' })()) { /* consume */ }
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(err);
    const s = await h.one('execute_tool flaky');
    expect(s.status.code).toBe(2);
    expect(s.attributes[Flightrec.streamChunks]).toBe(1);
  });

  it('a stream object with methods (like an SDK stream) keeps its methods and instanceof through the proxy', async () => {
    h = harness();
    class SdkStream {
      #chunks = ['a', 'b'];
      readonly controller = { abort: () => 'aborted' };
      async *[Symbol.asyncIterator]() {
        for (const c of this.#chunks) yield c;
      }
      toText() {
        return this.#chunks.join('');
      }
    }
    const chat = wrapModelCall(async (_p: string) => new SdkStream(), {
      provider: 'openai', model: 'm',
      summarizeStream: (chunks) => ({ outputTokens: chunks.length, finishReasons: ['stop'] }),
    });
    const stream = await chat('hi');
    expect(stream).toBeInstanceOf(SdkStream);
    expect(stream.toText()).toBe('ab');
    expect(stream.controller.abort()).toBe('aborted');
    const out: string[] = [];
    for await (const c of stream) out.push(c);
    expect(out).toEqual(['a', 'b']);
    const s = await h.one('chat m');
    expect(s.attributes).toMatchObject({ [GenAI.usageOutputTokens]: 2, [GenAI.responseFinishReasons]: ['stop'], [Flightrec.streamChunks]: 2 });
  });

  it('child spans started inside a wrapped call are its children (active context)', async () => {
    h = harness();
    const inner = wrapTool(async () => 'inner', { name: 'inner' });
    const outer = wrapTool(async () => inner(), { name: 'outer' });
    expect(await outer()).toBe('inner');
    const o = await h.one('execute_tool outer');
    const i = await h.one('execute_tool inner');
    expect(i.parentSpanContext?.spanId).toBe(o.spanContext().spanId);
  });
});
