/**
 * A THIRD part of the redaction corpus, held out again: the first held-out part
 * (heldout-generator.ts) was looked at and two checks were added after seeing its look-alikes, so it
 * is no longer blind. This one was written after those changes and before any run of the rules on
 * it: its own PRNG (mulberry32, seed 20261207), its own places (SQL, Kubernetes manifests, .env with
 * comments, Markdown, XML, shell history, git diffs, e-mail bodies, notebook output, Slack-style chat)
 * and its own value builders. Its figures (docs/semantic-conventions.md) are reported as they came
 * out of the first run; no rule was changed for them. Writes test/fixtures/redaction-fresh.json.
 *
 *   npx node test/support/redaction-corpus/fresh-generator.ts
 */
import { writeFileSync } from 'node:fs';
import type { CorpusEntry } from './entry.ts';

let seed = 20261207;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const one = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const str = (set: string, n: number): string => { let s = ''; for (let i = 0; i < n; i++) s += set[Math.floor(rand() * set.length)]; return s; };
const HEX = '0123456789abcdef';
const NUM = '0123456789';
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOW = 'abcdefghijklmnopqrstuvwxyz';
const AN = UP + LOW + NUM;
const URLSAFE = AN + '-_';

const entries: CorpusEntry[] = [];
const positive = (category: string, name: string, text: string, ...secrets: string[]): void => void entries.push({ category, kind: 'secret', name, text, secrets });
const negative = (category: string, name: string, text: string): void => void entries.push({ category, kind: 'lookalike', name, text });

/** Places used by neither earlier part. */
const places: ((s: string, label: string) => string)[] = [
  (s, l) => `INSERT INTO settings (name, value) VALUES ('${l}', '${s}');`,
  (s, l) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  ${l.toLowerCase().replace(/\W/g, '-')}: "${s}"`,
  (s, l) => `# rotated 2026-11-30\n${l.toUpperCase().replace(/\W/g, '_')}=${s}\n# end`,
  (s, l) => `<setting name="${l}" value="${s}" />`,
  (s, l) => `  501  export ${l.toUpperCase().replace(/\W/g, '_')}='${s}'\n  502  ./deploy.sh`,
  (s, l) => `@@ -3,4 +3,4 @@\n-${l.toUpperCase().replace(/\W/g, '_')}=\n+${l.toUpperCase().replace(/\W/g, '_')}=${s}`,
  (s, l) => `Hi team,\n\nthe new ${l} is ${s}\n\nThanks,\nMaria`,
  (s, l) => JSON.stringify({ cell_type: 'code', outputs: [{ name: 'stdout', text: [`${l} loaded: ${s}\n`] }] }),
  (s, l) => `[10:42] maria: pasted the ${l} here ${s} pls rotate after`,
  (s, l) => `- **${l}**: \`${s}\``,
];
const place = (s: string, label: string): string => one(places)(s, label);

// ---- provider tokens (documented prefixes and lengths)
const tokens: [string, () => string][] = [
  ['github classic', () => `ghp_${str(AN, 36)}`], ['github fine-grained', () => `github_pat_${str(AN, 22)}_${str(AN, 59)}`],
  ['gitlab pat', () => `glpat-${str(URLSAFE, 20)}`], ['slack bot', () => `xoxb-${str(NUM, 12)}-${str(NUM, 13)}-${str(AN, 24)}`],
  ['slack user', () => `xoxp-${str(NUM, 12)}-${str(NUM, 12)}-${str(NUM, 13)}-${str(HEX, 32)}`],
  ['stripe secret', () => `sk_live_${str(AN, 99)}`], ['stripe restricted', () => `rk_live_${str(AN, 99)}`],
  ['aws access key id', () => `AKIA${str('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`], ['google api key', () => `AIza${str(URLSAFE, 35)}`],
  ['npm token', () => `npm_${str(AN, 36)}`], ['openai project key', () => `sk-proj-${str(URLSAFE, 48)}`],
  ['anthropic', () => `sk-ant-api03-${str(URLSAFE, 93)}AA`], ['hugging face', () => `hf_${str(UP + LOW, 34)}`],
  ['sendgrid', () => `SG.${str(URLSAFE, 22)}.${str(URLSAFE, 43)}`], ['digitalocean pat', () => `dop_v1_${str(HEX, 64)}`],
  ['shopify admin', () => `shpat_${str(HEX, 32)}`], ['pypi', () => `pypi-AgEIcHlwaS5vcmc${str(URLSAFE, 60)}`],
  ['doppler', () => `dp.pt.${str(AN, 43)}`], ['linear', () => `lin_api_${str(AN, 40)}`], ['postman', () => `PMAK-${str(HEX, 24)}-${str(HEX, 34)}`],
];
for (let i = 0; i < 120; i++) {
  const [name, make] = tokens[i % tokens.length]!;
  const v = make();
  positive('provider_token', name, place(v, one(['api token', 'access key', 'service credential', 'deploy token'])), v);
}
for (const t of [
  'sk_test_ is the prefix of Stripe test keys', 'ghp_ tokens expire after 90 days here', 'commit 3f9a0c1d2b7e4f5a6b7c8d9e0f1a2b3c4d5e6f7a', 'image sha256:9b2c1d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00',
  'request id 7f3e2a10-5b4c-4d8e-9f01-23456789abcd', 'xoxb tokens are for bots', 'AKIA prefix means a long-term key', 'the build cache key is node-24-linux-x64',
]) negative('provider_token', t, t);

// ---- private keys
const b64 = (n: number): string => str(AN + '+/', n);
for (let i = 0; i < 40; i++) {
  const kind = one(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
  const lines = Array.from({ length: between(4, 9) }, () => b64(64));
  const block = `-----BEGIN ${kind}-----\n${lines.join('\n')}\n-----END ${kind}-----`;
  const text = one([
    block,
    JSON.stringify({ type: 'service_account', private_key: `${block}\n` }),
    `key.pem:\n${block.split('\n').map((l) => `    ${l}`).join('\n')}`,
    `-----BEGIN ${kind}-----\n${lines.slice(0, 3).join('\n')}\n[output truncated]`,
  ]);
  positive('private_key', kind, text, lines[1]!, lines[2]!);
}
for (const t of [
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' + 'q'.repeat(20) + '\n-----END PUBLIC KEY-----', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO' + 'x'.repeat(20) + ' maria@laptop',
  'the private key lives in the HSM, never on disk', 'generate one with openssl genpkey -algorithm ed25519', '-----BEGIN CERTIFICATE-----\nMIIB' + 'a'.repeat(30) + '\n-----END CERTIFICATE-----',
]) negative('private_key', t.slice(0, 80), t);

// ---- connection strings
for (let i = 0; i < 40; i++) {
  const pw = one([str(AN, between(12, 20)), `${str(LOW, 5)}-${str(NUM, 4)}-${str(UP, 3)}`, `${str(AN, 8)}!${str(NUM, 3)}`]);
  const [name, s] = one<[string, string]>([
    ['postgres url', `postgresql://app_rw:${pw}@pg-primary.internal:5432/orders?sslmode=require`],
    ['mongodb srv', `mongodb+srv://svc:${pw}@cluster0.ab1cd.mongodb.net/prod`],
    ['redis url', `rediss://default:${pw}@cache.internal:6380/0`],
    ['sqlserver ado', `Server=tcp:sql.internal,1433;Database=billing;User ID=app;Password=${pw};Encrypt=true`],
    ['amqp url', `amqps://worker:${pw}@mq.internal:5671/vhost`],
    ['odbc pwd', `DRIVER={ODBC Driver 18};SERVER=db;UID=etl;PWD=${pw};`],
  ]);
  positive('connection_string', name, place(s, 'database url'), pw);
}
for (const t of ['postgresql://pg-primary.internal:5432/orders', 'Password= must be set in the connection string', 'mongodb+srv://cluster0.ab1cd.mongodb.net/', 'redis://localhost:6379/0', 'Server=tcp:sql.internal,1433;Database=billing;Integrated Security=true']) negative('connection_string', t, t);

// ---- secret assignments
for (let i = 0; i < 40; i++) {
  const v = one([str(AN, between(14, 28)), `${str(LOW, 4)}_${str(AN, 16)}`, str(HEX, 32)]);
  const [name, s] = one<[string, string]>([
    ['yaml secret', `client_secret: ${v}`], ['ini password', `password = ${v}`], ['json apiKey', JSON.stringify({ apiKey: v })],
    ['python kwarg', `connect(user="etl", password="${v}")`], ['toml token', `auth_token = "${v}"`], ['js object', `{ secretKey: '${v}' }`],
  ]);
  positive('secret_assignment', name, one([s, `config dump:\n${s}\nretries: 3`, `[10:42] maria: ${s}`]), v);
}
for (const t of ['password: must contain a digit', 'secret: ${{ secrets.DEPLOY_KEY }}', 'api_key: <your key here>', 'token_count: 4096', 'password_reset_url: https://example.com/reset', 'secret_version: 7', 'apiKey: process.env.API_KEY', 'password = None']) negative('secret_assignment', t, t);

// ---- cards
const luhnDigit = (partial: string): string => {
  let sum = 0;
  for (let i = partial.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) { let d = Number(partial[i]); if (dbl) { d *= 2; if (d > 9) d -= 9; } sum += d; }
  return String((10 - (sum % 10)) % 10);
};
const card = (prefix: string, len: number): string => { const p = prefix + str(NUM, len - prefix.length - 1); return p + luhnDigit(p); };
for (let i = 0; i < 40; i++) {
  const n = one([card('4', 16), card('5' + between(1, 5), 16), card('37', 15), card('6011', 16), card('35' + between(28, 89), 16)]);
  const shown = one([n, n.replace(/(\d{4})(?=\d)/g, '$1-'), n.replace(/(\d{4})(?=\d)/g, '$1 ')]);
  positive('card', 'card', one([`Zahlung mit Karte ${shown} abgelehnt`, `{"payment":{"pan":"${shown}","exp":"09/28"}}`, `card on file: ${shown} (exp 11/27)`, `INSERT INTO payments VALUES (42, '${shown}');`]), shown);
}
for (const t of ['tracking 4000 1234 5678 9010', 'invoice 5105-1051-0510-5101', 'build 4111111111111112', 'serial 6011 0000 0000 0001', 'ISRC 3712 3456 7890 123', 'ticket 4242 4242 4242 4241', 'epoch ms 1765100000000']) negative('card', t, t);

// ---- IBAN
const ibanOf = (cc: string, bban: string): string => {
  const r = `${bban}${cc}00`.replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of r) rem = (rem * 10 + Number(ch)) % 97;
  return `${cc}${String(98 - rem).padStart(2, '0')}${bban}`;
};
for (let i = 0; i < 40; i++) {
  const [cc, bban] = one<[string, string]>([['DE', str(NUM, 18)], ['FR', str(NUM, 10) + str(UP + NUM, 11) + str(NUM, 2)], ['NL', str(UP, 4) + str(NUM, 10)], ['ES', str(NUM, 20)], ['GB', str(UP, 4) + str(NUM, 14)], ['IT', str(UP, 1) + str(NUM, 10) + str(UP + NUM, 12)], ['BE', str(NUM, 12)], ['AT', str(NUM, 16)]]);
  const v = ibanOf(cc, bban);
  const shown = one([v, v.replace(/(.{4})(?=.)/g, '$1 ')]);
  positive('iban', cc, one([`Bitte überweisen an ${shown}, Verwendungszweck 4711`, `<IBAN>${shown}</IBAN>`, `beneficiary_account=${shown}`, `| Maria | ${shown} |`]), shown);
}
for (const t of ['DE00 0000 0000 0000 0000 00', 'ref GB12ABCD12345612345679', 'model FR76-3000-6000', 'part no. ES12 3456 7890', 'BE68 5390 0754 7035 1']) negative('iban', t, t);

// ---- national ids
const ssn = (): string => { let a = 0; do a = between(1, 899); while (a === 666); return `${String(a).padStart(3, '0')}-${String(between(1, 99)).padStart(2, '0')}-${String(between(1, 9999)).padStart(4, '0')}`; };
const L23 = 'TRWAGMYFPDXBNJZSQVHLCKE';
const dni = (): string => { const n = between(10000000, 99999999); return `${n}${L23[n % 23]}`; };
const bsn = (): string => { for (;;) { const dd = String(between(1, 9)) + str(NUM, 7); let t = 0; for (let k = 0; k < 8; k++) t += Number(dd[k]) * (9 - k); const last = t % 11; if (last < 10) return dd + last; } };
const nino = (): string => `${one(['AB', 'CE', 'JG', 'PR', 'WT', 'SZ'])}${str(NUM, 6)}${one(['A', 'B', 'C', 'D'])}`;
for (let i = 0; i < 40; i++) {
  const [name, v] = one<[string, () => string]>([['us ssn', ssn], ['es dni', dni], ['nl bsn', bsn], ['uk nino', nino]]);
  const value = v();
  positive('national_id', name, one([`employee record: ${value}, start 2026-01-05`, `{"taxId":"${value}"}`, `Identifikationsnummer ${value} liegt vor`, `<td>${value}</td>`]), value);
}
for (const t of ['build 000-12-3456', 'case 666-12-3456', 'BSN 123456789 (example from docs)', 'NINO format is two letters, six digits, a letter', 'lot 12345678Q', 'room 900-55-1234']) negative('national_id', t, t);

// ---- phone
for (let i = 0; i < 40; i++) {
  const p = one([
    `+1 (${between(201, 989)}) ${between(200, 999)}-${str(NUM, 4)}`, `+44 20 ${str(NUM, 4)} ${str(NUM, 4)}`, `+49 ${between(151, 179)} ${str(NUM, 7)}`,
    `+33 6 ${str(NUM, 2)} ${str(NUM, 2)} ${str(NUM, 2)} ${str(NUM, 2)}`, `0${between(30, 89)} ${str(NUM, 4)} ${str(NUM, 4)}`, `(${between(201, 989)}) ${between(200, 999)}-${str(NUM, 4)}`,
    `+81 3-${str(NUM, 4)}-${str(NUM, 4)}`, `0031 20 ${str(NUM, 3)} ${str(NUM, 4)}`,
  ]);
  positive('phone', 'phone', one([`Tel.: ${p}`, `SMS sent to ${p}: delivered`, JSON.stringify({ to: p, channel: 'voice' }), `Maria Rossi — ${p} — reception`]), p);
}
for (const t of ['PO 2026-1107-3312', 'version 10.4.2-1234', 'checksum 4471 2283 9910 0012', 'coords 52.5200 13.4050', 'range 1000-2000-3000', 'build #7712 3345 9901']) negative('phone', t, t);

// ---- e-mail
for (let i = 0; i < 40; i++) {
  const v = `${one(['maria.rossi', 'ops', 'j_smith', 'noreply+alerts', 'k.tanaka'])}${between(1, 99)}@${one(['example.com', 'mail.example.org', 'example.co.uk', 'corp.example.net'])}`;
  positive('email', 'address', one([`Reply-To: ${v}`, `assigned to ${v} in the tracker`, `INSERT INTO users (email) VALUES ('${v}');`, `- owner: ${v}`]), v);
}
for (const t of ['pnpm add lodash@4.17.21', 'icon@3x.png', 'ping @maria in #deploys', 'docker pull node@sha256:abc', 'meet @ 10:30']) negative('email', t, t);

writeFileSync(new URL('../../fixtures/redaction-fresh.json', import.meta.url), JSON.stringify(entries, null, 1) + '\n');
console.log(`${entries.length} entries`);
