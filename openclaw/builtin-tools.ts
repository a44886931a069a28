/**
 * OpenClaw's built-in tools as the flightrec plugin sees them: the effect/risk catalogue (owned by
 * conventions/openclaw-tools.ts, which storage also reads) and the per-call refinements that need
 * a call's parameters.
 */
import type { OpenClawToolSpec } from '../conventions/openclaw-tools.ts';

export { DEFAULT_OPENCLAW_TOOLS, UNKNOWN_TOOL, type OpenClawToolCatalogue, type OpenClawToolSpec } from '../conventions/openclaw-tools.ts';

/** The resource a call touches, from OpenClaw's tool parameters (the names its built-ins use). */
export function targetResourceOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  for (const key of ['path', 'file_path', 'filePath', 'url', 'target', 'to', 'channel', 'sessionKey', 'agentId']) {
    const v = params[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** Shell commands that reach the network: an exec running one of these sends data out. */
const NETWORK_COMMAND = /(^|[\s;&|(`$])(curl|wget|nc|ncat|netcat|socat|scp|sftp|ssh|rsync|ftp|telnet|sendmail|mail|mutt)(\s|$)/;

/**
 * Per-call refinement of the catalogue: an exec whose command uses a network client is a `send`
 * (high risk, not reversible) — the shape of an exfiltration — rather than a plain execute.
 */
export function refineForCall(toolName: string, spec: OpenClawToolSpec, params: Readonly<Record<string, unknown>> | undefined): OpenClawToolSpec {
  const command = params?.command ?? params?.cmd;
  if (spec.targetSystem === 'shell' && typeof command === 'string' && NETWORK_COMMAND.test(command)) {
    return { ...spec, effect: 'send', risk: spec.risk === 'critical' ? 'critical' : 'high', reversible: false, targetSystem: 'network' };
  }
  void toolName;
  return spec;
}
