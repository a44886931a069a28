/**
 * Redaction before export: a corpus of realistic secrets and PII is redacted, a corpus of
 * look-alikes is left exactly as it was; keys are redacted by name; the redacted keys are listed;
 * a value whose redaction fails is dropped (fail closed); exception messages are redacted too.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './support/instrumentation-harness.ts';
import { createRedactor, isCardNumber, luhnValid, redactAttributes, startToolCall, wrapTool } from '../instrumentation/index.ts';
import { Flightrec, GenAI } from '../instrumentation/semconv.ts';

interface Corpus {
  secrets: { name: string; text: string; secret: string; rule: string }[];
  lookalikes: { name: string; text: string }[];
}
const corpus = JSON.parse(readFileSync(new URL('./fixtures/redaction-corpus.json', import.meta.url), 'utf8')) as Corpus;
const redactor = createRedactor();

let h: Harness | undefined;
afterEach(async () => {
  await h?.shutdown();
  h = undefined;
});

describe('value patterns on a corpus', () => {
  it.each(corpus.secrets.map((s) => [s.name, s] as const))('redacts %s', (_name, s) => {
    expect(s.text).toContain(s.secret); // the fixture is meaningful
    const r = redactor.redactText(s.text);
    expect(r.value).not.toContain(s.secret);
    expect(r.rules).toContain(s.rule);
    expect(r.value).toContain(`[REDACTED:${s.rule}]`);
  });

  it.each(corpus.lookalikes.map((l) => [l.name, l] as const))('leaves look-alike unchanged: %s', (_name, l) => {
    const r = redactor.redactText(l.text);
    expect(r.rules).toEqual([]);
    expect(r.value).toBe(l.text);
  });

  it('keeps the text around a secret', () => {
    expect(redactor.redactText('DATABASE_URL=postgres://app:s3cr3t@db:5432/x').value).toBe('DATABASE_URL=postgres://app:[REDACTED:url_password]@db:5432/x');
    expect(redactor.redactText('Authorization: Bearer abcdef0123456789xyz').value).toBe('Authorization: Bearer [REDACTED:bearer_token]');
  });

  it('XML name/value pairs naming a secret: only the value goes; the name must end in the secret word', () => {
    expect(redactor.redactText('<param name="password" value="hunter2-Zx81"/>').value).toBe('<param name="password" value="[REDACTED:xml_attribute_secret]"/>');
    expect(redactor.redactText("<property name='db.password' type='string' value='s3cr3t'/>").value).toBe("<property name='db.password' type='string' value='[REDACTED:xml_attribute_secret]'/>");
    expect(redactor.redactText('<name>api_key</name>\n<value>abc123def456</value>').value).toBe('<name>api_key</name>\n<value>[REDACTED:xml_element_secret]</value>');
    // A JSON-escaped line break between the elements (XML inside a JSON string).
    expect(redactor.redactText('{"xml":"<name>db password</name>\\n  <value>Pa55-w0rd</value>"}').value).toBe('{"xml":"<name>db password</name>\\n  <value>[REDACTED:xml_element_secret]</value>"}');
    for (const t of [
      '<setting name="password_policy" value="strict"/>', '<add key="Timeout" value="30"/>', '<param name="secret" value=""/>',
      '<param name="password" value="must be at least 8 characters"/>', '<name>token_count</name><value>12</value>', '<name>timeout</name><value>30</value>',
    ]) expect(redactor.redactText(t).value, t).toBe(t);
  });

  it('Luhn and issuer checks', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(isCardNumber('4111-1111-1111-1111')).toBe(true);
    expect(isCardNumber('1000200030004000')).toBe(false); // valid Luhn, no card issuer
    expect(luhnValid('1000200030004000')).toBe(true);
  });

  it('SSNs are masked whole, separators and all', () => {
    expect(redactor.redactText('ssn 123-45-6789 on file').value).toBe('ssn [REDACTED:us_ssn] on file');
    expect(redactor.redactText('id 123 45 6789.').value).toBe('id [REDACTED:us_ssn].');
  });

  it('phone numbers need a shape some numbering plan has: 12+ digits in national form need a trunk 0', () => {
    for (const id of ['order #5012 3456 7890', 'ref 5012-3456-7890 shipped', 'batch 1234 5678 9012']) expect(redactor.redactText(id).value, id).toBe(id);
    for (const phone of ['+49 5012 3456 7890', '0043 5012 3456 789', '0301 2345 6789', '(415) 555-2671', '415 555 2671', '138 0013 8000']) {
      expect(redactor.redactText(`call ${phone} now`).value, phone).not.toContain(phone);
    }
  });

  it("gitleaks' generic rule leaves keys that describe a secret (policy, length, expiry, name, where it is kept)", () => {
    for (const t of ['password_policy: min_length=12', 'api_key_env: OPENAI_API_KEY_PROD', 'token_ttl = 3600s-rolling', 'secret_name: prod/db-credentials-v2']) {
      expect(redactor.redactText(t).value, t).toBe(t);
    }
    // The same values under keys that hold the secret are still taken.
    expect(redactor.redactText('service_token = Zx81kQp02LmNc7Rt5Yw').value).not.toContain('Zx81kQp02LmNc7Rt5Yw');
    expect(redactor.redactText('auth_password: min_length=12').value).not.toContain('min_length=12');
  });
});

describe('keys, allow and deny lists', () => {
  it('replaces values of secret-named keys, leaves token counts and allow-listed keys alone', () => {
    const r = redactAttributes(redactor, {
      'http.request.header.authorization': 'opaque-value',
      'db.password': 'x',
      'app.config.api_key': 'y',
      'x-api-key': 'z',
      'session.cookie': 'c',
      [GenAI.usageInputTokens]: 12,
      'llm.token_count.total': 'many',
      'app.max_tokens': '4096',
      [Flightrec.argumentsSha256]: 'ab'.repeat(32),
      'note': 'contact ann@example.com',
    });
    expect(r.attributes).toMatchObject({
      'http.request.header.authorization': '[REDACTED]',
      'db.password': '[REDACTED]',
      'app.config.api_key': '[REDACTED]',
      'x-api-key': '[REDACTED]',
      'session.cookie': '[REDACTED]',
      [GenAI.usageInputTokens]: 12,
      'llm.token_count.total': 'many',
      'app.max_tokens': '4096',
      note: 'contact [REDACTED:email]',
    });
    expect(String(r.attributes[Flightrec.redactedKeys]).split(',').sort()).toEqual(['app.config.api_key', 'db.password', 'http.request.header.authorization', 'note', 'session.cookie', 'x-api-key']);
  });

  it('configurable: extra deny keys (string or regex), allow keys, disabled rules, replacement', () => {
    const custom = createRedactor({ denyKeys: ['X-Internal-Ref', /^customer\./], allowKeys: ['support.contact'], disableRules: ['phone'], replacement: '***' });
    const r = redactAttributes(custom, {
      'x-internal-ref': 'r-1',
      'customer.name': 'Ann',
      'support.contact': 'help@example.com',
      'other.contact': 'help@example.com',
      'hotline': 'call +1 415-555-2671',
    });
    expect(r.attributes).toMatchObject({ 'x-internal-ref': '***', 'customer.name': '***', 'support.contact': 'help@example.com', 'other.contact': '***:email', hotline: 'call +1 415-555-2671' });
  });

  it('deep redaction of structured content (redacted capture mode) by key and value', () => {
    const v = redactor.redactDeep({ headers: { Authorization: 'Bearer x', 'content-type': 'json' }, user: { password: 'p', name: 'Ann', email: 'ann@example.com' }, list: ['AKIAQYLPMN5HHHFPZAM2', 3] });
    expect(v).toEqual({ headers: { Authorization: '[REDACTED]', 'content-type': 'json' }, user: { password: '[REDACTED]', name: 'Ann', email: '[REDACTED:email]' }, list: ['[REDACTED:aws-access-token]', 3] });
  });
});

describe('keyed pseudonyms for personal data (pseudonymKey / FLIGHTREC_REDACTION_KEY)', () => {
  const pseudonym = (text: string, key = 'k1'): string => createRedactor({ pseudonymKey: key }).redactText(text).value;

  it('the same address reads the same, whatever its case; another address or key reads differently; the address is gone', () => {
    const a = pseudonym('mail Ann.Lee@example.com now');
    expect(a).toMatch(/^mail \[REDACTED:email:[0-9a-f]{12}\] now$/);
    expect(a).not.toMatch(/ann|lee|example/i);
    expect(pseudonym('ann.lee@EXAMPLE.com')).toBe(a.slice(5, -4));
    expect(pseudonym('bob@example.com')).not.toBe(pseudonym('ann.lee@example.com'));
    expect(pseudonym('ann.lee@example.com', 'k2')).not.toBe(pseudonym('ann.lee@example.com'));
    // The pseudonym is HMAC-SHA256(key, normal form), so whoever holds the key can check a guess, and nobody else.
    expect(pseudonym('ann.lee@example.com')).toBe(`[REDACTED:email:${createHmac('sha256', 'k1').update('ann.lee@example.com').digest('hex').slice(0, 12)}]`);
  });

  it('phone numbers by their digits; secrets stay plain; without a key nothing changes', () => {
    expect(pseudonym('call +1 (415) 555-2671')).toBe(pseudonym('call +1 415.555.2671'));
    expect(pseudonym('call +1 (415) 555-2671')).toMatch(/^call \[REDACTED:phone:[0-9a-f]{12}\]$/);
    expect(pseudonym('key AKIAQYLPMN5HHHFPZAM2')).toBe('key [REDACTED:aws-access-token]');
    expect(createRedactor().redactText('mail ann@example.com').value).toBe('mail [REDACTED:email]');
  });

  it('reaches exported spans through the export stage', async () => {
    h = harness({ captureMode: 'none', redaction: { pseudonymKey: 'deployment-key' } });
    for (const to of ['ann@example.com', 'bob@example.com', 'ANN@example.com']) startToolCall({ name: 'send_email', targetResource: `mailto:${to}` }).end('ok');
    const targets = (await h.spans()).map((s) => String(s.attributes[Flightrec.targetResource]));
    expect(targets[0]).toMatch(/^mailto:\[REDACTED:email:[0-9a-f]{12}\]$/);
    expect(targets[2]).toBe(targets[0]);
    expect(targets[1]).not.toBe(targets[0]);
  });
});

describe('export stage', () => {
  it('redacts attributes, exception events and status messages; lists the keys; capture-time redaction too', async () => {
    h = harness({ captureMode: 'redacted' });
    const login = wrapTool(async (_a: { user: string; password: string; note: string }) => {
      throw new Error('login failed for postgres://svc:pw12345@db/x');
    }, { name: 'login' });
    await expect(login({ user: 'svc', password: 'hunter22', note: 'mail ann@example.com' })).rejects.toThrow('pw12345');
    const s = await h.one('execute_tool login');
    const args = JSON.parse(s.attributes[GenAI.toolCallArguments] as string);
    expect(args).toEqual({ note: 'mail [REDACTED:email]', password: '[REDACTED]', user: 'svc' });
    expect(s.status.message).not.toContain('pw12345');
    expect(JSON.stringify(s.events)).not.toContain('pw12345');
    expect(s.events[0]!.attributes!['exception.message']).toContain('[REDACTED:url_password]');
    expect(s.attributes[Flightrec.argumentsSha256]).toMatch(/^[0-9a-f]{64}$/); // the hash is of the original
  });

  it('full capture mode still goes through the export stage; redaction off leaves it as is', async () => {
    h = harness({ captureMode: 'full' });
    const t = startToolCall({ name: 'echo', arguments: { text: 'key AKIAQYLPMN5HHHFPZAM2' } });
    t.end('ok');
    const s = await h.one('execute_tool echo');
    expect(s.attributes[GenAI.toolCallArguments]).toBe('{"text":"key [REDACTED:aws-access-token]"}');
    expect(s.attributes[Flightrec.redactedKeys]).toBe(GenAI.toolCallArguments);
    await h.shutdown();

    h = harness({ captureMode: 'full', redaction: false });
    startToolCall({ name: 'echo', arguments: { text: 'key AKIAQYLPMN5HHHFPZAM2' } }).end('ok');
    expect((await h.one('execute_tool echo')).attributes[GenAI.toolCallArguments]).toBe('{"text":"key AKIAQYLPMN5HHHFPZAM2"}');
  });

  it('fails closed: a value whose redaction throws is dropped and listed, the rest is exported', async () => {
    h = harness({
      captureMode: 'none',
      redaction: { rules: [{ name: 'explodes', trigger: ['KABOOM'], pattern: /KABOOM/g, accept: () => { throw new Error('rule bug'); } }] },
    });
    startToolCall({ name: 't', targetResource: 'KABOOM resource' }).end();
    const s = await h.one('execute_tool t');
    expect(s.attributes[Flightrec.targetResource]).toBeUndefined();
    expect(s.attributes[Flightrec.droppedKeys]).toBe(Flightrec.targetResource);
    expect(s.attributes[GenAI.toolName]).toBe('t');
  });
});
