/**
 * Risk without code: a catalogue of tool names or name patterns → effect, risk, reversibility and
 * what the tool's result is when it comes back into the agent's context. Storage applies it to
 * tool spans that carry no flightrec.* effect of their own (any dialect: GenAI `execute_tool`,
 * OpenInference TOOL, Vercel `ai.toolCall`, MCP `tools/call`, …), so detections of risky,
 * duplicated or exfiltrating actions work for agents that flightrec did not wrap.
 *
 * A user file (YAML or JSON, `FLIGHTREC_TOOL_CATALOGUE`) lists entries first-match-wins; its
 * entries come before the defaults below, so one line overrides or extends them. The catalogue is
 * compiled into the stored columns' expressions when the schema is migrated (`flightrec up`, or the
 * DDL `flightrec schema` prints for a ClickHouse server behind the contrib collector).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Effects, Risks, Sensitivities, Trust as TrustValues, type Effect, type Risk, type Sensitivity, type Trust } from '../instrumentation/semconv.ts';

export interface CatalogueEntry {
  /** A tool name, or a pattern with `*` (any run of characters) and `?` (one character); case-insensitive. */
  readonly match: string;
  readonly effect: Effect;
  readonly risk: Risk;
  readonly reversible?: boolean;
  /** Whether the tool's result, read back into the context, is trusted (default: not said). */
  readonly resultTrust?: Trust;
  /** How sensitive every result of the tool is (a secrets store, a customer database). */
  readonly resultSensitivity?: Sensitivity;
}

export type ToolCatalogue = readonly CatalogueEntry[];

const shell = { effect: 'execute', risk: 'high', reversible: false, resultTrust: 'untrusted' } as const;
const send = { effect: 'send', risk: 'high', reversible: false } as const;
const fileWrite = { effect: 'write', risk: 'medium', reversible: false } as const;
const payment = { effect: 'payment', risk: 'critical', reversible: false } as const;
const secret = { effect: 'read', risk: 'high', resultTrust: 'trusted', resultSensitivity: 'secret' } as const;
const inbound = { effect: 'read', risk: 'low', resultTrust: 'untrusted' } as const;
const web = { effect: 'read', risk: 'medium', resultTrust: 'untrusted' } as const;
const read = { effect: 'read', risk: 'low', resultTrust: 'untrusted' } as const;

/**
 * Common tool names across frameworks and MCP servers. Order matters (first match wins): secrets
 * and payments before generic reads and writes, reading mail before sending it. Tool results are
 * untrusted unless the tool is a store the operator controls: content from files, the web, mail and
 * shells can carry instructions.
 */
export const DEFAULT_TOOL_CATALOGUE: ToolCatalogue = [
  ...['*secret*', '*password*', '*credential*', '*api_key*', '*apikey*', 'vault_*'].map((match) => ({ match, ...secret })),
  ...['*payment*', '*charge*', '*refund*', '*payout*', 'transfer_funds', '*wire_transfer*', 'stripe_*'].map((match) => ({ match, ...payment })),
  ...['delete_*', 'remove_*', '*_delete', 'drop_*', 'rm'].map((match) => ({ match, effect: 'delete' as const, risk: 'high' as const, reversible: false })),
  ...['exec', 'shell', 'bash', 'sh', 'terminal', 'run_command', 'run_shell*', 'execute_command', '*shell_command*', 'run_code', 'code_interpreter', 'python', 'execute_code'].map((match) => ({ match, ...shell })),
  ...['read_*mail*', 'get_*mail*', 'list_*mail*', 'search_*mail*', '*inbox*', 'read_message*', 'get_message*'].map((match) => ({ match, ...inbound })),
  ...['send_*', '*email*', '*_mail', 'mail_*', 'post_message', 'reply*', 'notify*', 'sms*', 'slack_post*', 'message'].map((match) => ({ match, ...send })),
  ...['http_post', 'http_put', 'http_patch', 'post_*', 'put_*', '*webhook*', 'http_request', 'curl', 'upload*'].map((match) => ({ match, ...send })),
  ...['write*', '*write_file*', 'edit*', 'create_file', 'save_*', 'append_*', 'apply_patch', 'str_replace*', 'move_file', 'rename_file', 'mkdir'].map((match) => ({ match, ...fileWrite })),
  ...['fetch*', 'http_get', 'web_*', 'browse*', 'scrape*', '*search*', 'open_url', 'visit*'].map((match) => ({ match, ...web })),
  ...['read*', 'get_*', 'list_*', 'cat', 'ls', '*lookup*', 'query*', 'describe_*'].map((match) => ({ match, ...read })),
];

/** The catalogue storage applies: the user's file first (when named), then the defaults. */
export function resolveToolCatalogue(path: string | undefined = process.env.FLIGHTREC_TOOL_CATALOGUE): ToolCatalogue {
  if (!path) return DEFAULT_TOOL_CATALOGUE;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`tool catalogue ${path}: cannot read it (${(err as Error).message})`);
  }
  const file = parseToolCatalogue(text, path);
  return file.replaceDefaults ? file.tools : [...file.tools, ...DEFAULT_TOOL_CATALOGUE];
}

export interface CatalogueFile {
  readonly tools: ToolCatalogue;
  /** true: the file is the whole catalogue; false (default): its entries come before the defaults. */
  readonly replaceDefaults: boolean;
}

/**
 * How large an operator's file may be. The catalogue compiles into the store's column expressions,
 * and those travel in one statement, which ClickHouse caps at 256 KiB (`max_query_size`); past that
 * a start would fail with the engine's syntax error instead of a line about the file. The bounds
 * leave that statement room with every entry at its longest (docs/instrumentations.md).
 */
export const CATALOGUE_FILE_LIMITS = { entries: 1000, patternCharacters: 32 * 1024 } as const;

const fail = (where: string, what: string): never => {
  throw new Error(`tool catalogue ${where}: ${what}`);
};

function oneOf<T extends string>(where: string, key: string, value: unknown, allowed: readonly T[], optional: boolean): T | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) fail(where, `${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Parse and check a catalogue file (YAML or JSON): `{ tools: [{ match, effect, risk, reversible?, resultTrust?, resultSensitivity? }], replaceDefaults? }`. */
export function parseToolCatalogue(text: string, name = 'file'): CatalogueFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return fail(name, `not YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { tools?: unknown }).tools)) return fail(name, 'expected an object with a `tools` list');
  const { tools, replaceDefaults = false } = doc as { tools: unknown[]; replaceDefaults?: unknown };
  if (typeof replaceDefaults !== 'boolean') fail(name, 'replaceDefaults must be true or false');
  if (tools.length > CATALOGUE_FILE_LIMITS.entries) fail(name, `${tools.length} entries; at most ${CATALOGUE_FILE_LIMITS.entries} (use patterns: one entry can cover many tools)`);
  const known = new Set(['match', 'effect', 'risk', 'reversible', 'resultTrust', 'resultSensitivity']);
  const entries = tools.map((raw, i): CatalogueEntry => {
    const where = `${name}, tools[${i}]`;
    if (typeof raw !== 'object' || raw === null) return fail(where, 'expected an object');
    const e = raw as Record<string, unknown>;
    const unknownKey = Object.keys(e).find((k) => !known.has(k));
    if (unknownKey) fail(where, `unknown key ${JSON.stringify(unknownKey)} (known: ${[...known].join(', ')})`);
    if (typeof e.match !== 'string' || e.match.trim() === '' || e.match.length > 200) fail(where, 'match must be a tool name or pattern of 1–200 characters');
    if (e.reversible !== undefined && typeof e.reversible !== 'boolean') fail(where, 'reversible must be true or false');
    const entry: CatalogueEntry = {
      match: e.match as string,
      effect: oneOf(where, 'effect', e.effect, Effects, false)!,
      risk: oneOf(where, 'risk', e.risk, Risks, false)!,
      ...(e.reversible !== undefined ? { reversible: e.reversible as boolean } : {}),
      ...(e.resultTrust !== undefined ? { resultTrust: oneOf(where, 'resultTrust', e.resultTrust, TrustValues, true)! } : {}),
      ...(e.resultSensitivity !== undefined ? { resultSensitivity: oneOf(where, 'resultSensitivity', e.resultSensitivity, Sensitivities, true)! } : {}),
    };
    return entry;
  });
  const patternCharacters = entries.reduce((n, e) => n + e.match.length, 0);
  if (patternCharacters > CATALOGUE_FILE_LIMITS.patternCharacters) fail(name, `its patterns hold ${patternCharacters} characters; at most ${CATALOGUE_FILE_LIMITS.patternCharacters} in all`);
  return { tools: entries, replaceDefaults: replaceDefaults as boolean };
}

/** The first entry whose pattern matches a tool name (the rule storage compiles to SQL, from the same patterns). */
export function lookupTool(catalogue: ToolCatalogue, tool: string): CatalogueEntry | undefined {
  const name = tool.toLowerCase();
  return catalogue.find((e) => new RegExp(patternRegex(e.match), 's').test(name));
}

/**
 * A catalogue glob (`*` any run, `?` one character) as a lower-case regular expression over a
 * lower-cased tool name: the one translation both lookupTool and storage's SQL use. Anchored at each
 * end the glob does not open or close with `*`, and a leading or trailing run of `*` is dropped
 * rather than written as `.*`: `*email*` is `email`, `send_*` is `^send_`. Under dot-all matching
 * (both users compile it so) that is the same set of names, and Hyperscan, which matches the whole
 * catalogue at insert, finds plain and prefix literals much faster than `^.*x.*$` forms
 * (docs/instrumentations.md). The end anchor differs by engine: in Hyperscan (as in PCRE) `$` also
 * matches before a final newline, so the store's form ends with `\z` and "rm\n" is not `rm`, as in
 * JavaScript, whose `$` (without the m flag) is the end alone.
 */
export function patternRegex(glob: string, engine: 'javascript' | 'hyperscan' = 'javascript'): string {
  const lower = glob.toLowerCase();
  const body = lower.replace(/^\*+/, '').replace(/\*+$/, '');
  const regex = `${lower.startsWith('*') ? '' : '^'}${body.replace(/[.+^$(){}|[\]\\]/g, (c) => `\\${c}`).replace(/\*/g, '.*').replace(/\?/g, '.')}${lower.endsWith('*') ? '' : engine === 'hyperscan' ? '\\z' : '$'}`;
  // `*` alone (any name) leaves nothing: `^` matches every name.
  return regex === '' ? '^' : regex;
}
