/**
 * The default effect/risk catalogue for OpenClaw's built-in tools (openclaw@2026.9.6, the 60 tools
 * `llm_input.tools` lists), plus what each tool's *result* is when it enters the agent's context
 * (source kind and trust), so a tool result becomes a SAW record with provenance.
 *
 * Operators override or extend any entry with the plugin config's `tools` (openclaw/config.ts).
 * It lives with the conventions, not in the adapter, because storage applies it to OpenClaw's own
 * diagnostics-otel spans (storage/derived-columns.ts) and storage never imports an adapter.
 * Conservative by default: content from files, the web, shells and other people is `untrusted`;
 * only OpenClaw's own bookkeeping tools return `trusted` results.
 */
import type { Effect, Risk, Sensitivity, SourceKind, Trust } from '../instrumentation/semconv.ts';

export interface OpenClawToolSpec {
  readonly effect: Effect;
  readonly risk: Risk;
  readonly reversible?: boolean;
  readonly targetSystem?: string;
  /** Where the tool's result comes from when read back into the context. */
  readonly resultSource?: SourceKind;
  readonly resultTrust?: Trust;
  /** Every result of this tool is this sensitive (secrets tool). Paths and content can raise it further. */
  readonly resultSensitivity?: Sensitivity;
}

export type OpenClawToolCatalogue = Readonly<Record<string, OpenClawToolSpec>>;

const fileRead = { effect: 'read', risk: 'low', targetSystem: 'filesystem', resultSource: 'file', resultTrust: 'untrusted' } as const;
const fileWrite = { effect: 'write', risk: 'medium', reversible: false, targetSystem: 'filesystem', resultSource: 'tool_result', resultTrust: 'trusted' } as const;
const shell = { effect: 'execute', risk: 'high', reversible: false, targetSystem: 'shell', resultSource: 'tool_result', resultTrust: 'untrusted' } as const;
const web = { effect: 'read', risk: 'medium', targetSystem: 'web', resultSource: 'web', resultTrust: 'untrusted' } as const;
const bookkeeping = { effect: 'read', risk: 'low', targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'trusted' } as const;
const outbound = { effect: 'send', risk: 'high', reversible: false, targetSystem: 'channel', resultSource: 'tool_result', resultTrust: 'trusted' } as const;
/** Runs other OpenClaw work (sub-agents, dispatched tools) whose output comes back unvetted. */
const delegated = { effect: 'execute', risk: 'medium', targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'untrusted' } as const;
const agentToAgent = { effect: 'send', risk: 'medium', reversible: false, targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'untrusted' } as const;

export const DEFAULT_OPENCLAW_TOOLS: OpenClawToolCatalogue = {
  // Files in the workspace / on the host.
  read: fileRead,
  ls: fileRead,
  dir_list: fileRead,
  dir_fetch: fileRead,
  file_fetch: fileRead,
  write: fileWrite,
  file_write: fileWrite,
  edit: fileWrite,
  apply_patch: fileWrite,
  // Processes and devices.
  exec: shell,
  process: shell,
  terminal: shell,
  nodes: { ...shell, targetSystem: 'openclaw-node' },
  node_inference: { ...shell, risk: 'medium', targetSystem: 'openclaw-node' },
  mobile_ui: { ...shell, targetSystem: 'openclaw-node' },
  // The web: reads that also reach out (a URL can carry data out), and a browser that can submit forms.
  web_fetch: web,
  web_search: { ...web, risk: 'low' },
  browser: { effect: 'send', risk: 'high', reversible: false, targetSystem: 'web', resultSource: 'web', resultTrust: 'untrusted' },
  // Messages to people and other agents.
  message: outbound,
  conversations_send: outbound,
  conversations_turn: agentToAgent,
  sessions_send: agentToAgent,
  sessions_spawn: delegated,
  subagents: delegated,
  agents_wait: { ...bookkeeping, resultTrust: 'untrusted' },
  ask_user: { effect: 'send', risk: 'low', reversible: false, targetSystem: 'channel', resultSource: 'user_message', resultTrust: 'trusted' },
  tts: { effect: 'send', risk: 'low', reversible: false, targetSystem: 'channel', resultSource: 'tool_result', resultTrust: 'trusted' },
  talk_voice: { effect: 'send', risk: 'low', reversible: false, targetSystem: 'channel', resultSource: 'tool_result', resultTrust: 'trusted' },
  // Persistent automation and the gateway itself.
  cron: { effect: 'write', risk: 'high', reversible: true, targetSystem: 'openclaw-cron', resultSource: 'tool_result', resultTrust: 'trusted' },
  automations: { effect: 'write', risk: 'high', reversible: true, targetSystem: 'openclaw-cron', resultSource: 'tool_result', resultTrust: 'trusted' },
  gateway: { effect: 'execute', risk: 'critical', reversible: false, targetSystem: 'openclaw-gateway', resultSource: 'tool_result', resultTrust: 'trusted' },
  plugins: { effect: 'write', risk: 'critical', reversible: true, targetSystem: 'openclaw-gateway', resultSource: 'tool_result', resultTrust: 'trusted' },
  secrets: { effect: 'read', risk: 'high', targetSystem: 'openclaw-secrets', resultSource: 'tool_result', resultTrust: 'trusted', resultSensitivity: 'secret' },
  skill_workshop: { effect: 'write', risk: 'medium', reversible: true, targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'trusted' },
  canvas: { effect: 'write', risk: 'low', reversible: true, targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'trusted' },
  create_goal: { effect: 'write', risk: 'low', reversible: true, targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'trusted' },
  update_goal: { effect: 'write', risk: 'low', reversible: true, targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'trusted' },
  // Memory and transcripts: what the agent (or others, through it) stored earlier.
  memory_search: { ...bookkeeping, resultSource: 'memory', resultTrust: 'untrusted' },
  memory_get: { ...bookkeeping, resultSource: 'memory', resultTrust: 'untrusted' },
  transcripts: { ...bookkeeping, resultSource: 'memory', resultTrust: 'untrusted' },
  sessions_history: { ...bookkeeping, resultSource: 'memory', resultTrust: 'untrusted' },
  sessions_search: { ...bookkeeping, resultSource: 'memory', resultTrust: 'untrusted' },
  // Bookkeeping.
  get_goal: bookkeeping,
  sessions_list: bookkeeping,
  session_status: bookkeeping,
  sessions_yield: bookkeeping,
  conversations_list: bookkeeping,
  agents_list: bookkeeping,
  tool_search: bookkeeping,
  tool_search_code: bookkeeping,
  tool_describe: bookkeeping,
  tool_call: delegated,
  openclaw: { effect: 'execute', risk: 'medium', targetSystem: 'openclaw', resultSource: 'tool_result', resultTrust: 'trusted' },
  dashboard: bookkeeping,
  portal: bookkeeping,
  theme: bookkeeping,
  intent: bookkeeping,
  progress_card: bookkeeping,
};

/** Unknown tools (plugins' own, MCP): treated as an untrusted execute of medium risk until configured. */
export const UNKNOWN_TOOL: OpenClawToolSpec = { effect: 'execute', risk: 'medium', resultSource: 'tool_result', resultTrust: 'untrusted' };
