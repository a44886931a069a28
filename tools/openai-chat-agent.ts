/**
 * The smallest agent an application writes on the `openai` client: chat completions in a loop,
 * running the tools the model asks for, the history kept across turns. Instrumentations of the
 * `openai` package trace its model calls; the tool calls are traced by `runTool` as each
 * instrumentation's own helpers (or the GenAI conventions) tell an application to.
 */
import { PEER_TOOLS } from './peer-script.ts';

interface ChatMessage { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }
/** The part of the `openai` client this agent uses (any major version from 5 on). */
export interface ChatClient {
  chat: { completions: { create(body: Record<string, unknown>): Promise<{ choices: { message: ChatMessage }[] }> } };
}

export const OPENAI_TOOLS = Object.entries(PEER_TOOLS).map(([name, spec]) => ({
  type: 'function',
  function: { name, description: spec.description, parameters: { type: 'object', properties: Object.fromEntries(spec.params.map((p) => [p, { type: 'string' }])), required: [...spec.params] } },
}));

export type RunTool = (name: string, args: Record<string, string>, callId: string) => Promise<string>;

export async function chatAgent(client: ChatClient, turns: readonly string[], runTool: RunTool): Promise<void> {
  const messages: ChatMessage[] = [];
  for (const prompt of turns) {
    messages.push({ role: 'user', content: prompt });
    for (let step = 0; step < 20; step++) {
      const res = await client.chat.completions.create({ model: 'scripted-gpt', messages, tools: OPENAI_TOOLS });
      const message = res.choices[0]!.message;
      messages.push({ role: 'assistant', content: message.content, ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}) });
      if (!message.tool_calls?.length) break;
      for (const call of message.tool_calls) {
        let content: string;
        try {
          content = await runTool(call.function.name, JSON.parse(call.function.arguments) as Record<string, string>, call.id);
        } catch (err) {
          content = `error: ${(err as Error).message}`;
        }
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
  }
}
