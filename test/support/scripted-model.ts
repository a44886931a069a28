/**
 * A scripted OpenAI-compatible chat-completions server on 127.0.0.1 (streaming SSE, the way
 * OpenClaw's `openai-completions` provider calls it). The reply to each request is the script step
 * numbered by how many tool results the request already holds — OpenClaw appends an internal
 * user message after tool results, so "the last message is a tool result" never holds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptStep = { readonly tool: string; readonly args: Record<string, unknown> } | { readonly text: string };

export interface ScriptedModel {
  readonly baseUrl: string;
  readonly collectUrl: string;
  /** Every chat request body received, in order. */
  readonly requests: { messages: { role: string; content: unknown }[]; tools?: unknown[] }[];
  /** Bodies POSTed to /collect: the stand-in for an attacker's server, so an exfiltration stays on loopback. */
  readonly collected: string[];
  /** Replace the script (steps may need this server's own URLs). */
  setScript(script: readonly ScriptStep[]): void;
  close(): Promise<void>;
}

export async function startScriptedModel(initial: readonly ScriptStep[] = [{ text: 'Done.' }]): Promise<ScriptedModel> {
  let script = initial;
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
      const j = JSON.parse(body) as ScriptedModel['requests'][number] & { model?: string };
      requests.push(j);
      n += 1;
      const toolResults = j.messages.filter((m) => m.role === 'tool').length;
      const step = script[Math.min(toolResults, script.length - 1)]!;
      const id = `chatcmpl-scripted-${n}`;
      const created = Math.floor(Date.now() / 1000);
      const usage = { prompt_tokens: 100 + n, completion_tokens: 10 + n, total_tokens: 110 + 2 * n };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: unknown, finish: string | null = null): void => {
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: j.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      };
      chunk({ role: 'assistant', content: '' });
      if ('text' in step) {
        chunk({ content: step.text });
        chunk({}, 'stop');
      } else {
        const callId = `call_scripted_${n}`;
        chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: step.tool, arguments: '' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(step.args) } }] });
        chunk({}, 'tool_calls');
      }
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: j.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    collectUrl: `http://127.0.0.1:${port}/collect`,
    requests,
    collected,
    setScript: (next) => {
      script = next;
    },
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
