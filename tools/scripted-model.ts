/**
 * A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (streaming SSE, the way
 * OpenClaw's `openai-completions` provider calls it). The reply to each request is the script step
 * numbered by how many tool results the request already holds — OpenClaw appends an internal
 * user message after tool results, so "the last message is a tool result" never holds.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptStep = { readonly tool: string; readonly args: Record<string, unknown> } | { readonly text: string };

export interface ScriptedModel {
  readonly baseUrl: string;
  readonly collectUrl: string;
  /** Every chat request body received, in order. */
  readonly requests: { messages: { role: string; content: unknown }[]; tools?: unknown[] }[];
  /** Bodies POSTed to /collect: the stand-in for an attacker's server, so an exfiltration stays on loopback. */
  readonly collected: string[];
  /**
   * Replace the script (steps may need this server's own URLs). `pick` chooses the step for a request
   * (default: the number of tool results it holds); `json` answers requests that do not ask for a
   * stream with one JSON completion (default: always a stream, as OpenClaw expects).
   */
  setScript(script: readonly ScriptStep[], opts?: { readonly pick?: StepPicker; readonly json?: boolean }): void;
  close(): Promise<void>;
}

export type ChatRequest = ScriptedModel['requests'][number];
export type StepPicker = (request: ChatRequest) => number;

/** For agents that keep the history across turns: the step is (user messages + tool results − 1), so turn 2 continues the script. */
export const byTurnAndToolResults: StepPicker = (r) => r.messages.filter((m) => m.role === 'user').length + r.messages.filter((m) => m.role === 'tool').length - 1;

/** How long the scripted model takes to answer a chat completion. */
const THINK_MS = 3;

export async function startScriptedModel(initial: readonly ScriptStep[] = [{ text: 'Done.' }]): Promise<ScriptedModel> {
  let script = initial;
  let pick: StepPicker = (r) => r.messages.filter((m) => m.role === 'tool').length;
  let json = false;
  const requests: ScriptedModel['requests'] = [];
  const collected: string[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1', object: 'model' }] }));
        return;
      }
      if (req.url?.startsWith('/collect')) {
        collected.push(body);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (!req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end('{}');
        return;
      }
      const j = JSON.parse(body) as ScriptedModel['requests'][number] & { model?: string; stream?: boolean };
      requests.push(j);
      n += 1;
      const step = script[Math.max(0, Math.min(pick(j), script.length - 1))]!;
      const created = Math.floor(Date.now() / 1000);
      const usage = { prompt_tokens: 100 + n, completion_tokens: 10 + n, total_tokens: 110 + 2 * n };
      // A model takes a moment to answer. Answered at once, a model call and the tool call after it
      // could start in one millisecond, and instrumentations that stamp whole milliseconds would then
      // tie in the timeline, their order a coin toss (seen with the Vercel AI SDK's ai.* spans).
      setTimeout(() => answer(res, step, j, n, created, usage), THINK_MS);
    });

    function answer(res: ServerResponse, step: ScriptStep, j: ChatRequest & { model?: string; stream?: boolean }, k: number, created: number, usage: Record<string, number>): void {
      const id = `chatcmpl-scripted-${k}`;
      if (json && j.stream !== true) {
        // One JSON completion, for clients that do not stream.
        const message = 'text' in step
          ? { role: 'assistant', content: step.text }
          : { role: 'assistant', content: null, tool_calls: [{ id: `call_scripted_${k}`, type: 'function', function: { name: step.tool, arguments: JSON.stringify(step.args) } }] };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, object: 'chat.completion', created, model: j.model, choices: [{ index: 0, message, finish_reason: 'text' in step ? 'stop' : 'tool_calls' }], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: unknown, finish: string | null = null): void => {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: j.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      };
      chunk({ role: 'assistant', content: '' });
      if ('text' in step) {
        chunk({ content: step.text });
        chunk({}, 'stop');
      } else {
        const callId = `call_scripted_${k}`;
        chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: step.tool, arguments: '' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(step.args) } }] });
        chunk({}, 'tool_calls');
      }
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: j.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    collectUrl: `http://127.0.0.1:${port}/collect`,
    requests,
    collected,
    setScript: (next, opts = {}) => {
      script = next;
      if (opts.pick) pick = opts.pick;
      if (opts.json !== undefined) json = opts.json;
    },
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
