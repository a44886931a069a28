/**
 * The scripted agent conversation every peer (an agent framework or instrumentation flightrec did
 * not write) runs against the scripted model (tools/scripted-model.ts): its turns, the model's
 * scripts and the tools it offers. Used by the peer tests (test/support/peer-scenario.ts adds the
 * checks its recording must pass) and by bench/dialect-mapping.ts's `--mix peers`.
 *
 * Bad run, two turns: read a file (untrusted), read a secret, a shell command that fails; then send
 * the same mail twice (a duplicate send, high risk, no approval) and fetch one URL over and over (a
 * loop). Good run, two turns: read a file, a lookup that fails; then the weather. Every tool's
 * effect and risk come from the default tool catalogue — nothing in the agent names them.
 */
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { ScriptStep } from './scripted-model.ts';

export const MAIL = { to: 'cfo@acme.example', body: 'The numbers you asked for.' } as const;
export const LOOP_URL = 'https://status.example/health';
export const LOOP_CALLS = 4;

export const TURN_1 = 'Read notes.txt and the deploy key, then list the server root.';
export const TURN_2 = 'Now mail the CFO and keep checking the status page.';
export const GOOD_TURN_1 = 'Read notes.txt and look up order 42.';
export const GOOD_TURN_2 = 'What is the weather in Berlin?';

/** Scripts for the scripted model, stepped by (user messages + tool results − 1): byTurnAndToolResults. */
export const BAD_SCRIPT: readonly ScriptStep[] = [
  { tool: 'read_file', args: { path: 'notes.txt' } },
  { tool: 'get_secret', args: { name: 'deploy_key' } },
  { tool: 'run_shell_command', args: { command: 'ls /root' } },
  { text: 'Turn one done.' },
  { tool: 'send_email', args: MAIL },
  { tool: 'send_email', args: MAIL },
  ...Array.from({ length: LOOP_CALLS }, () => ({ tool: 'fetch_url', args: { url: LOOP_URL } })),
  { text: 'Turn two done.' },
];
export const GOOD_SCRIPT: readonly ScriptStep[] = [
  { tool: 'read_file', args: { path: 'notes.txt' } },
  { tool: 'lookup_order', args: { id: '42' } },
  { text: 'Order 42 is not found.' },
  { tool: 'get_weather', args: { city: 'Berlin' } },
  { text: 'Sunny.' },
];

/** The tools every peer offers, as plain functions of their JSON arguments; two of them fail. */
export const PEER_TOOLS: Readonly<Record<string, { description: string; params: readonly string[]; run: (args: Record<string, string>) => string }>> = {
  read_file: { description: 'Read a file', params: ['path'], run: ({ path }) => `contents of ${path}: ship on Friday` },
  get_secret: { description: 'Read a secret', params: ['name'], run: () => 'sk-test-not-a-real-key' },
  run_shell_command: { description: 'Run a shell command', params: ['command'], run: () => { throw new Error('permission denied'); } },
  send_email: { description: 'Send an email', params: ['to', 'body'], run: ({ to }) => `sent to ${to}` },
  fetch_url: { description: 'Fetch a URL', params: ['url'], run: () => 'status: degraded' },
  lookup_order: { description: 'Look up an order', params: ['id'], run: ({ id }) => { throw new Error(`order ${id} not found`); } },
  get_weather: { description: 'Weather for a city', params: ['city'], run: () => 'sunny, 21 C' },
};

/**
 * Run a peer tool as the agent would. The pause keeps a tool span and the next model call apart:
 * some frameworks stamp spans in whole milliseconds, and a tie would make the timeline's order a coin toss.
 */
export async function runPeerTool(name: string, args: Record<string, string>): Promise<string> {
  await new Promise((r) => setTimeout(r, 3));
  return PEER_TOOLS[name]!.run(args);
}

/**
 * A peer tool run inside an application's `execute_tool` span, as the GenAI conventions describe it
 * (name, call id, arguments and result as sent; a failure as error.type and an error status): the
 * tool spans of an agent whose model client alone is instrumented.
 */
export function genaiToolSpan(tracer: Tracer) {
  return (name: string, args: Record<string, string>, callId: string): Promise<string> =>
    tracer.startActiveSpan(`execute_tool ${name}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': callId, 'gen_ai.tool.type': 'function', 'gen_ai.tool.call.arguments': JSON.stringify(args) } }, async (span) => {
      try {
        const result = await runPeerTool(name, args);
        span.setAttribute('gen_ai.tool.call.result', result);
        return result;
      } catch (err) {
        span.setAttributes({ 'error.type': (err as Error).name });
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
}
