/**
 * Content capture modes: none (default) puts no content on spans, hash puts SHA-256s, redacted
 * puts content with secrets and PII replaced, full puts content as it is (the export stage still
 * redacts unless turned off). The environment variable's values map onto the modes.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './support/instrumentation-harness.ts';
import { parseCaptureMode, recordInbound, startModelCall, wrapTool } from '../instrumentation/index.ts';
import { Flightrec, GenAI, type CaptureMode } from '../instrumentation/semconv.ts';
import { captureContent } from '../instrumentation/content-capture.ts';
import { createRedactor } from '../instrumentation/redaction/default-redactor.ts';
import { configure, resetSettings } from '../instrumentation/settings.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
let h: Harness | undefined;
afterEach(async () => {
  await h?.shutdown();
  h = undefined;
});

const input = [{ role: 'user', parts: [{ type: 'text', content: 'mail ann@example.com the report' }] }];
const output = [{ role: 'assistant', parts: [{ type: 'text', content: 'done' }], finish_reason: 'stop' }];

async function recordAll(mode: CaptureMode, redaction: false | undefined = undefined) {
  h = harness({ captureMode: mode, redaction });
  const m = startModelCall({ provider: 'openai', model: 'm', inputMessages: input, systemInstructions: 'be brief' });
  m.end({ outputMessages: output });
  wrapTool((a: { to: string }) => `sent to ${a.to}`, { name: 'send' })({ to: 'ann@example.com' });
  recordInbound({ source: 'user_message', trust: 'trusted', content: 'hello from ann@example.com' });
  return { chat: await h.one('chat m'), tool: await h.one('execute_tool send'), inbound: await h.one('message_in user_message') };
}

describe('capture modes', () => {
  it('none: no content and no content hashes on model spans; tool argument hash and seen-content hash stay (provenance)', async () => {
    const { chat, tool, inbound } = await recordAll('none');
    for (const k of [GenAI.inputMessages, GenAI.outputMessages, GenAI.systemInstructions, Flightrec.inputMessagesSha256, Flightrec.outputMessagesSha256, Flightrec.contentCapture]) expect(chat.attributes[k]).toBeUndefined();
    expect(tool.attributes[GenAI.toolCallArguments]).toBeUndefined();
    expect(tool.attributes[GenAI.toolCallResult]).toBeUndefined();
    expect(tool.attributes[Flightrec.argumentsSha256]).toBe(sha('{"to":"ann@example.com"}'));
    expect(inbound.attributes['input.value']).toBeUndefined();
    expect(inbound.attributes[Flightrec.contentSha256]).toBe(sha('hello from ann@example.com'));
  });

  it('hash: SHA-256 of messages and results, no content', async () => {
    const { chat, tool } = await recordAll('hash');
    expect(chat.attributes[Flightrec.inputMessagesSha256]).toBe(sha(canonical(input)));
    expect(chat.attributes[Flightrec.outputMessagesSha256]).toBe(sha(canonical(output)));
    expect(chat.attributes[GenAI.inputMessages]).toBeUndefined();
    expect(chat.attributes[Flightrec.contentCapture]).toBe('hash');
    expect(tool.attributes[Flightrec.resultSha256]).toBe(sha('sent to ann@example.com'));
    expect(tool.attributes[GenAI.toolCallResult]).toBeUndefined();
  });

  it('redacted: content present with PII replaced; hashes are of the original', async () => {
    const { chat, tool, inbound } = await recordAll('redacted');
    expect(JSON.parse(chat.attributes[GenAI.inputMessages] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'mail [REDACTED:email] the report' }] }]);
    expect(chat.attributes[GenAI.systemInstructions]).toBe('be brief');
    expect(JSON.parse(chat.attributes[GenAI.outputMessages] as string)).toEqual(output);
    expect(chat.attributes[Flightrec.inputMessagesSha256]).toBe(sha(canonical(input)));
    expect(tool.attributes[GenAI.toolCallArguments]).toBe('{"to":"[REDACTED:email]"}');
    expect(tool.attributes[GenAI.toolCallResult]).toBe('sent to [REDACTED:email]');
    expect(inbound.attributes['input.value']).toBe('hello from [REDACTED:email]');
  });

  it('redacted without the export stage: capture itself scans values (the content is never exported raw)', async () => {
    const { chat, tool } = await recordAll('redacted', false);
    expect(chat.attributes[GenAI.inputMessages]).toContain('mail [REDACTED:email] the report');
    expect(tool.attributes[GenAI.toolCallArguments]).toBe('{"to":"[REDACTED:email]"}');
  });

  it('full with redaction off: content exactly as given', async () => {
    const { chat, tool } = await recordAll('full', false);
    expect(chat.attributes[GenAI.inputMessages]).toBe(canonical(input));
    expect(tool.attributes[GenAI.toolCallArguments]).toBe('{"to":"ann@example.com"}');
    expect(tool.attributes[GenAI.toolCallResult]).toBe('sent to ann@example.com');
  });

  it('environment values', () => {
    expect(parseCaptureMode(undefined)).toBeUndefined();
    expect(parseCaptureMode('')).toBeUndefined();
    expect(parseCaptureMode('HASH')).toBe('hash');
    expect(parseCaptureMode('full')).toBe('full');
    expect(parseCaptureMode('false')).toBe('none');
    expect(parseCaptureMode('NO_CONTENT')).toBe('none');
    expect(parseCaptureMode('EVENT_ONLY')).toBe('none');
    expect(parseCaptureMode('true')).toBe('redacted');
    expect(parseCaptureMode('SPAN_AND_EVENT')).toBe('redacted');
    expect(() => parseCaptureMode('everything')).toThrow(/unknown capture mode "everything"/);
  });
});

describe('redacted capture: serialising without a key-redacted copy when no key needs it', () => {
  // captureContent skips redactDeep's deep copy for plain values with no secret key; the text
  // must be exactly what serialising the copy gives, for every shape.
  const redactor = createRedactor();
  class Box {
    password = 'hunter2';
    note = 'n';
  }
  const cases: unknown[] = [
    { to: 'ann@example.com', body: 'hi', cc: ['a', 'b'], n: 1, nested: { deep: [{ x: null }] } },
    { user: { name: 'Ann', password: 'p4ss' } },
    [{ ok: 1 }, { api_key: 'k-123' }],
    { token: '' , password: null, secret: undefined, keep: 'x' },
    { headers: { Authorization: 'Bearer abc.def' } },
    { when: new Date(0), password: 'in a toJSON sibling' },
    { d: new Date(0) },
    new Box(),
    Object.assign(Object.create(null) as object, { b: 1, password: 'x' }),
    JSON.parse('{"__proto__": {"password": "x"}, "a": 1}'),
    { u: undefined, f: () => 1, arr: [undefined, 1] },
    [],
    {},
  ];
  it.each(cases.map((c, i) => [i, c]))('case %i gives the same text as the copy', (_i, value) => {
    configure({ captureMode: 'redacted', redactor, exportRedaction: true });
    try {
      const got = captureContent({ content: 'input.value' }, value)['input.value'];
      expect(got).toBe(JSON.stringify(redactor.redactDeep(value, false)));
    } finally {
      resetSettings();
    }
  });
});

/** RFC 8785 for these simple values: sorted keys, no spaces. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
