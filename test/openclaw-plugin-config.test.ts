/**
 * The OpenClaw plugin's configuration and policy rules, without OpenClaw: bad config gets a clear
 * error naming the key, a policy file (YAML) is read, rules match first-wins, and catalogue
 * overrides merge over the built-in tools.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPENCLAW_TOOLS, UNKNOWN_TOOL } from '../openclaw/builtin-tools.ts';
import { parsePluginConfig, PluginConfigError, tracesUrl } from '../openclaw/config.ts';
import { approvalSeverity, decide } from '../openclaw/policy.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-oc-config-');
afterAll(() => tmp.cleanup());

describe('plugin config', () => {
  it('defaults to observe-only with the built-in catalogue', () => {
    const c = parsePluginConfig(undefined, {});
    expect(c.policy).toMatchObject({ mode: 'observe', rules: [] });
    expect(c.redaction).toBe(true);
    expect(c.serviceName).toBe('openclaw');
    expect(c.tools.exec).toEqual(DEFAULT_OPENCLAW_TOOLS.exec);
  });

  it.each([
    [{ captureMode: 'everything' }, /captureMode must be one of none, hash, redacted, full/],
    [{ headers: { Authorization: 42 } }, /headers must map header names to strings/],
    [{ tools: { exec: { risk: 'catastrophic' } } }, /tools\.exec\.risk must be one of low, medium, high, critical/],
    [{ tools: { my_tool: { risk: 'high' } } }, /tools\.my_tool\.effect and tools\.my_tool\.risk are required/],
    [{ policy: { mode: 'block-everything' } }, /policy\.mode must be one of observe, enforce/],
    [{ policy: { rules: [{ verdict: 'deny' }] } }, /policy\.rules\[0\] matches nothing/],
    [{ policy: { rules: [{ tools: ['exec'], verdict: 'maybe' }] } }, /policy\.rules\[0\]\.verdict must be one of deny, require_approval/],
    [{ policy: { approvalTimeoutMs: -1 } }, /approvalTimeoutMs must be a positive number/],
    [{ flushTimeoutMs: 'soon' }, /flushTimeoutMs must be a positive number/],
    [{ policy: { file: '/nonexistent/policy.yaml' } }, /policy\.file \/nonexistent\/policy\.yaml: ENOENT/],
    ['yes', /must be an object/],
  ])('refuses %j with a clear message', (raw, message) => {
    expect(() => parsePluginConfig(raw, {})).toThrow(PluginConfigError);
    expect(() => parsePluginConfig(raw, {})).toThrow(message);
  });

  it('reads a YAML policy file; inline keys win over the file', () => {
    const file = join(tmp.path, 'policy.yaml');
    writeFileSync(file, 'mode: enforce\nname: prod\nrules:\n  - name: no-writes\n    effects: [write]\n    verdict: deny\n');
    const c = parsePluginConfig({ policy: { file, name: 'override' } }, {});
    expect(c.policy).toMatchObject({ mode: 'enforce', name: 'override', rules: [{ name: 'no-writes', effects: ['write'], verdict: 'deny' }] });
  });

  it('merges tool overrides over the built-in entry', () => {
    const c = parsePluginConfig({ tools: { exec: { risk: 'critical' }, deploy: { effect: 'execute', risk: 'high', targetSystem: 'k8s' } } }, {});
    expect(c.tools.exec).toEqual({ ...DEFAULT_OPENCLAW_TOOLS.exec, risk: 'critical' });
    expect(c.tools.deploy).toMatchObject({ effect: 'execute', risk: 'high', targetSystem: 'k8s' });
  });

  it('turns a base endpoint into the traces URL and keeps a full one', () => {
    expect(tracesUrl('http://127.0.0.1:4318/')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl(undefined)).toBeUndefined();
  });
});

describe('policy rules', () => {
  const policy = parsePluginConfig({
    policy: {
      mode: 'enforce',
      name: 'prod',
      rules: [
        { name: 'no-writes', tools: ['write', 'edit'], verdict: 'deny', reason: 'change ticket needed' },
        { name: 'ask-shell', effects: ['execute'], verdict: 'require_approval' },
        { name: 'no-critical', risks: ['critical'], verdict: 'deny' },
      ],
    },
  }, {}).policy;

  it('first match wins; no match allows', () => {
    expect(decide(policy, 'write', DEFAULT_OPENCLAW_TOOLS.write!)).toEqual({ verdict: 'deny', rule: 'no-writes', reason: 'change ticket needed' });
    expect(decide(policy, 'exec', DEFAULT_OPENCLAW_TOOLS.exec!)).toMatchObject({ verdict: 'require_approval', rule: 'ask-shell' });
    // gateway is execute + critical: the execute rule comes first.
    expect(decide(policy, 'gateway', DEFAULT_OPENCLAW_TOOLS.gateway!)).toMatchObject({ verdict: 'require_approval', rule: 'ask-shell' });
    expect(decide(policy, 'plugins', DEFAULT_OPENCLAW_TOOLS.plugins!)).toMatchObject({ verdict: 'deny', rule: 'no-critical' });
    expect(decide(policy, 'read', DEFAULT_OPENCLAW_TOOLS.read!)).toEqual({ verdict: 'allow' });
    // A tool OpenClaw does not ship is execute/medium: caught by the execute rule.
    expect(decide(policy, 'my_plugin_tool', UNKNOWN_TOOL)).toMatchObject({ verdict: 'require_approval' });
  });

  it('explains a verdict without a configured reason, and maps risk to an approval severity', () => {
    expect(decide(policy, 'exec', DEFAULT_OPENCLAW_TOOLS.exec!).reason).toBe('exec (execute, high risk) needs approval by prod rule ask-shell');
    expect([approvalSeverity(DEFAULT_OPENCLAW_TOOLS.read!), approvalSeverity(DEFAULT_OPENCLAW_TOOLS.exec!), approvalSeverity(DEFAULT_OPENCLAW_TOOLS.gateway!)]).toEqual(['info', 'warning', 'critical']);
  });
});
