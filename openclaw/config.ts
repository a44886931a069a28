/**
 * The plugin's configuration (`plugins.entries.flightrec.config` in OpenClaw's config), checked
 * with clear errors. The JSON Schema OpenClaw validates first is in openclaw.plugin.json; this is
 * the typed reading of it, with defaults.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CaptureModes, Effects, Risks, Sensitivities, SourceKinds, Trust, type CaptureMode, type Effect, type Risk } from '../instrumentation/semconv.ts';
import { DEFAULT_OPENCLAW_TOOLS, type OpenClawToolCatalogue, type OpenClawToolSpec } from './builtin-tools.ts';

export const PolicyModes = ['observe', 'enforce'] as const;
export type PolicyMode = (typeof PolicyModes)[number];

export interface PolicyRule {
  readonly name: string;
  readonly tools?: readonly string[];
  readonly effects?: readonly Effect[];
  readonly risks?: readonly Risk[];
  readonly verdict: 'deny' | 'require_approval';
  readonly reason?: string;
}

export interface PolicyConfig {
  readonly mode: PolicyMode;
  readonly name: string;
  readonly rules: readonly PolicyRule[];
  readonly approvalTimeoutMs: number;
}

export interface PluginConfig {
  /** OTLP/HTTP endpoint: a base URL (…:4318) or the full traces URL; else OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT. */
  readonly endpoint: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly serviceName: string;
  readonly captureMode: CaptureMode | undefined;
  readonly redaction: boolean;
  readonly tools: OpenClawToolCatalogue;
  /** Paths whose content is secret when read (globs, matched with path.matchesGlob). */
  readonly sensitivePaths: readonly string[];
  /** File reads under these paths are trusted (operator-controlled files). */
  readonly trustedPaths: readonly string[];
  /** Channel senders whose messages are trusted (owners). */
  readonly trustedSenders: readonly string[];
  readonly policy: PolicyConfig;
  /** Longest wait for an export at the end of a run before giving up (the run is never held longer). */
  readonly flushTimeoutMs: number;
}

export const DEFAULT_SENSITIVE_PATHS: readonly string[] = [
  '**/.ssh/**', '**/id_rsa*', '**/id_ed25519*', '**/*.pem', '**/*.key', '**/.aws/**', '**/.netrc', '**/.env', '**/.env.*',
  '**/*secret*', '**/*credential*', '**/*password*', '**/.openclaw/**', '**/.kube/config', '**/.docker/config.json',
];

export class PluginConfigError extends Error {
  constructor(message: string) {
    super(`flightrec OpenClaw plugin config: ${message}`);
    this.name = 'PluginConfigError';
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new PluginConfigError(`${where}${key} must be a non-empty string`);
  return v;
}

function strList(o: Obj, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new PluginConfigError(`${where}${key} must be a list of strings`);
  return v as string[];
}

function oneOf<T extends string>(allowed: readonly T[], v: unknown, what: string): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new PluginConfigError(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
}

function enumList<T extends string>(allowed: readonly T[], o: Obj, key: string, where: string): T[] | undefined {
  const list = strList(o, key, where);
  return list?.map((x) => oneOf(allowed, x, `${where}${key}[]`));
}

function toolSpec(name: string, v: unknown, base: OpenClawToolSpec | undefined): OpenClawToolSpec {
  if (!isObj(v)) throw new PluginConfigError(`tools.${name} must be an object`);
  const where = `tools.${name}.`;
  const effect = v.effect === undefined ? base?.effect : oneOf(Effects, v.effect, `${where}effect`);
  const risk = v.risk === undefined ? base?.risk : oneOf(Risks, v.risk, `${where}risk`);
  if (!effect || !risk) throw new PluginConfigError(`${where}effect and ${where}risk are required for a tool that is not built in`);
  if (v.reversible !== undefined && typeof v.reversible !== 'boolean') throw new PluginConfigError(`${where}reversible must be true or false`);
  return {
    ...base,
    effect,
    risk,
    reversible: v.reversible === undefined ? base?.reversible : (v.reversible as boolean),
    targetSystem: str(v, 'targetSystem', where) ?? base?.targetSystem,
    resultSource: v.resultSource === undefined ? base?.resultSource : oneOf(SourceKinds, v.resultSource, `${where}resultSource`),
    resultTrust: v.resultTrust === undefined ? base?.resultTrust : oneOf(Trust, v.resultTrust, `${where}resultTrust`),
    resultSensitivity: v.resultSensitivity === undefined ? base?.resultSensitivity : oneOf(Sensitivities, v.resultSensitivity, `${where}resultSensitivity`),
  };
}

function parseRules(v: unknown, where: string): PolicyRule[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new PluginConfigError(`${where}rules must be a list`);
  return v.map((r, i) => {
    const w = `${where}rules[${i}].`;
    if (!isObj(r)) throw new PluginConfigError(`${w.slice(0, -1)} must be an object`);
    const rule: PolicyRule = {
      name: str(r, 'name', w) ?? `rule-${i + 1}`,
      tools: strList(r, 'tools', w),
      effects: enumList(Effects, r, 'effects', w),
      risks: enumList(Risks, r, 'risks', w),
      verdict: oneOf(['deny', 'require_approval'] as const, r.verdict, `${w}verdict`),
      reason: str(r, 'reason', w),
    };
    if (!rule.tools && !rule.effects && !rule.risks) throw new PluginConfigError(`${w.slice(0, -1)} matches nothing: give tools, effects or risks`);
    return rule;
  });
}

/** A policy file (JSON or YAML) has the same shape as the `policy` config object. */
export function readPolicyFile(path: string): Obj {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PluginConfigError(`policy.file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new PluginConfigError(`policy.file ${path}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  if (!isObj(parsed)) throw new PluginConfigError(`policy.file ${path}: must hold an object with mode and rules`);
  return parsed;
}

function parsePolicy(v: unknown): PolicyConfig {
  if (v === undefined) return { mode: 'observe', name: 'flightrec', rules: [], approvalTimeoutMs: 120_000 };
  if (!isObj(v)) throw new PluginConfigError('policy must be an object');
  const file = str(v, 'file', 'policy.');
  const merged: Obj = file ? { ...readPolicyFile(file), ...Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'file')) } : v;
  const where = file ? `policy (${file}).` : 'policy.';
  const timeout = merged.approvalTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) throw new PluginConfigError(`${where}approvalTimeoutMs must be a positive number`);
  return {
    mode: merged.mode === undefined ? 'observe' : oneOf(PolicyModes, merged.mode, `${where}mode`),
    name: str(merged, 'name', where) ?? (file ?? 'flightrec'),
    rules: parseRules(merged.rules, where),
    approvalTimeoutMs: (timeout as number | undefined) ?? 120_000,
  };
}

export function parsePluginConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): PluginConfig {
  const c: Obj = raw === undefined || raw === null ? {} : isObj(raw) ? raw : (() => { throw new PluginConfigError('must be an object'); })();
  const headers = c.headers;
  if (headers !== undefined && (!isObj(headers) || Object.values(headers).some((h) => typeof h !== 'string'))) {
    throw new PluginConfigError('headers must map header names to strings');
  }
  const tools: Record<string, OpenClawToolSpec> = { ...DEFAULT_OPENCLAW_TOOLS };
  if (c.tools !== undefined) {
    if (!isObj(c.tools)) throw new PluginConfigError('tools must map tool names to {effect, risk, …}');
    for (const [name, spec] of Object.entries(c.tools)) tools[name] = toolSpec(name, spec, DEFAULT_OPENCLAW_TOOLS[name]);
  }
  if (c.redaction !== undefined && typeof c.redaction !== 'boolean') throw new PluginConfigError('redaction must be true or false');
  const flush = c.flushTimeoutMs;
  if (flush !== undefined && (typeof flush !== 'number' || !(flush > 0))) throw new PluginConfigError('flushTimeoutMs must be a positive number');
  return {
    endpoint: str(c, 'endpoint', ''),
    headers: headers as Record<string, string> | undefined,
    serviceName: str(c, 'serviceName', '') ?? env.OTEL_SERVICE_NAME ?? 'openclaw',
    captureMode: c.captureMode === undefined ? undefined : oneOf(CaptureModes, c.captureMode, 'captureMode'),
    redaction: (c.redaction as boolean | undefined) ?? true,
    tools,
    sensitivePaths: strList(c, 'sensitivePaths', '') ?? DEFAULT_SENSITIVE_PATHS,
    trustedPaths: strList(c, 'trustedPaths', '') ?? [],
    trustedSenders: strList(c, 'trustedSenders', '') ?? [],
    policy: parsePolicy(c.policy),
    flushTimeoutMs: (flush as number | undefined) ?? 5_000,
  };
}

/** The OTLP/HTTP traces URL for a configured endpoint: base URLs get `/v1/traces`. */
export function tracesUrl(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}
