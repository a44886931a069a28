/**
 * The TUNING part of the redaction corpus: what the rules were written and adjusted against.
 * Seeded (mulberry32, seed 1), deterministic; writes test/fixtures/redaction-tuning.json.
 * Provider tokens come from test/fixtures/redaction-provider-samples.json (drawn from gitleaks'
 * own patterns by scripts/redaction-rules). The held-out part is made by heldout-generator.ts,
 * written separately with other templates, value builders and seed.
 *
 *   npx node test/support/redaction-corpus/tuning-generator.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CorpusEntry } from './entry.ts';

let state = 1;
function rnd(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chars = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
const DIGITS = '0123456789';
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64 = ALNUM + '+/';

const out: CorpusEntry[] = [];
const secret = (category: string, name: string, text: string, ...secrets: string[]): void => void out.push({ category, kind: 'secret', name, text, secrets });
const lookalike = (category: string, name: string, text: string): void => void out.push({ category, kind: 'lookalike', name, text });

// ---- provider tokens (from gitleaks' patterns), in a few contexts
const samples = JSON.parse(readFileSync(new URL('../../fixtures/redaction-provider-samples.json', import.meta.url), 'utf8')) as { rule: string; match: string; secret: string }[];
const providerContexts: ((m: string) => string)[] = [
  (m) => `tool output: ${m}\nexit code 0`,
  (m) => JSON.stringify({ role: 'tool', content: `config loaded\n${m}\n` }),
  (m) => `Error: request rejected (${m} ) retrying in 5s`,
];
// A sample holding a quote or backslash (drawn from a pattern's delimiter classes) changes shape
// when JSON-escaped: it goes in the plain-text contexts only.
samples.forEach((s, i) => {
  const c = i % 3 === 1 && /["\\]/.test(s.match) ? 0 : i % 3;
  secret('provider_token', `${s.rule} #${i % 3}`, providerContexts[c]!(s.match), s.secret);
});
for (const t of [
  'the GitHub token (ghp_…) is read from the keychain', 'rotate the AKIA key ids every 90 days', 'xoxb tokens belong to bots',
  'request id 3f6c1a2e-9b4d-4c8e-a1f0-5d7b2c9e8f41', 'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 on main', 'max_tokens=4096 temperature=0.2', 'api key rotated yesterday by the platform team',
  'the secret santa list is ready', 'disk-usage-sk-report.txt written', 'image/png;base64 header only', 'trace_id=4bf92f3577b34da6a3ce929d0e0e4736',
  'ULID 01HZX3K4M5N6P7Q8R9S0T1V2W3', 'version v8.30.1 released', 'sessionId=abc', 'npm install @opentelemetry/api@1.9.0',
]) lookalike('provider_token', t, t);

// ---- private-key blocks: whole, wrapped, cut off, JSON-escaped, CRLF
const keyTypes = ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK', 'DSA PRIVATE KEY'];
for (let i = 0; i < 42; i++) {
  const type = keyTypes[i % keyTypes.length]!;
  const lines = Array.from({ length: int(6, 25) }, () => chars(B64, 64));
  const variant = i % 6;
  const nl = variant === 4 ? '\r\n' : '\n';
  const cut = variant === 1 || variant === 3 ? int(2, lines.length - 1) : lines.length;
  const body = lines.slice(0, cut);
  const block = `-----BEGIN ${type}-----${nl}${body.join(nl)}${nl}${cut === lines.length ? `-----END ${type}-----` : ''}`;
  const names = ['whole', 'cut off', 'in JSON', 'cut off in JSON', 'CRLF', 'indented'];
  let text = `key file contents:\n${block}\ndone`;
  if (variant === 2 || variant === 3) text = JSON.stringify({ path: '/etc/ssl/key.pem', content: block });
  if (variant === 5) text = `tls:\n  key: |\n    ${block.split('\n').join('\n    ')}\n  port: 443`;
  secret('private_key', `${type}, ${names[variant]}`, text, body[0]!, body[body.length - 1]!);
}
for (const t of [
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' + chars(B64, 40) + '\n-----END PUBLIC KEY-----',
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU' + chars(B64, 44) + '\n-----END CERTIFICATE-----',
  'expected the file to start with "-----BEGIN PRIVATE KEY-----"', 'no private key found in ~/.ssh', 'private key permissions are too open (0644)',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI' + chars(B64, 43) + ' ann@laptop'.replace('ann@laptop', 'laptop'), 'generate a key with openssl genpkey -algorithm ed25519',
]) lookalike('private_key', t.slice(0, 50), t);

// ---- connection strings
const pw = (): string => chars(ALNUM, int(6, 10)) + pick(['!', '#', '%', '*', '-', '_', '.', '~', '9']) + chars(ALNUM, int(2, 6));
for (let i = 0; i < 42; i++) {
  const p = pw();
  const user = pick(['app', 'svc_orders', 'reporting', 'admin', 'etl']);
  const host = pick(['db.internal', '10.2.3.4', 'pg-prod-1.example.net', 'cluster0.ab1cd.mongodb.net', 'cache.local']);
  const forms = [
    `DATABASE_URL=postgres://${user}:${p}@${host}:5432/orders`,
    `connecting to mysql://${user}:${p}@${host}/shop?charset=utf8mb4`,
    `MONGO_URI="mongodb+srv://${user}:${p}@${host}/prod?retryWrites=true"`,
    `redis://:${p}@${host}:6379/0`,
    `amqp://${user}:${p}@${host}:5672/vhost`,
    `jdbc:postgresql://${host}:5432/orders?user=${user}&password=${p}&ssl=true`,
    `Server=${host};Database=orders;User Id=${user};Password=${p};Encrypt=True;`,
  ];
  secret('connection_string', ['postgres', 'mysql', 'mongodb+srv', 'redis', 'amqp', 'jdbc', 'ado.net'][i % 7]!, forms[i % 7]!, p);
}
for (const t of [
  'postgres://db.internal:5432/orders', 'mongodb://localhost:27017/test', 'redis://cache.local:6379/0', 'https://example.com:8443/path?x=1&y=2',
  'jdbc:postgresql://db:5432/orders?ssl=true', 'Server=db;Database=orders;Integrated Security=True;', 'open http://127.0.0.1:4318/v1/traces',
  'amqp://rabbit:5672', 'file:///var/lib/data.db', 'the connection string needs a password= entry',
]) lookalike('connection_string', t, t);

// ---- secret assignments, JSON keys, auth headers
for (let i = 0; i < 48; i++) {
  const v = pw();
  const forms = [
    `DB_PASSWORD=${v}`, `password: ${v}`, JSON.stringify({ user: 'svc', password: v }), JSON.stringify({ content: JSON.stringify({ client_secret: v }) }),
    `api_key = "${v}"`, `export STRIPE_SECRET=${v}`, `Authorization: Bearer ${chars(ALNUM, 20)}.${chars(ALNUM, 12)}`, `{"access_token":"${v}","token_type":"bearer"}`,
    `--password=${v}`, `secret_key: '${v}'`, JSON.stringify({ auth: { passphrase: `${pick(['correct', 'purple', 'seven'])} horse ${v}` } }), `Authorization: Basic ${Buffer.from(`svc:${v}`).toString('base64')}`,
  ];
  const text = forms[i % forms.length]!;
  const s = i % 12 === 6 ? text.slice('Authorization: Bearer '.length) : i % 12 === 11 ? text.slice('Authorization: Basic '.length) : v;
  secret('secret_assignment', `form ${i % 12}`, text, s);
}
for (const t of [
  'password must be at least 8 characters', 'password: must be at least 8 characters', '{"errors":{"password":"must be at least 8 characters"}}',
  '{"field":"password","error":"required"}', 'password_hint: favourite colour', 'password=', 'password: ********', 'password: "${DB_PASSWORD}"',
  'secret: {{ .Values.secret }}', 'Basic authentication is disabled', 'Bearer tokens are not supported here', 'api_key: required',
  'reset your password at the sign-in page', 'token budget exceeded', '"secret": "<redacted>"', 'client_secret: changeme',
]) lookalike('secret_assignment', t, t);

// ---- cards
function luhnComplete(prefix: string, length: number): string {
  let s = prefix + chars(DIGITS, length - prefix.length - 1);
  for (let d = 0; d < 10; d++) {
    const c = s + d;
    let sum = 0;
    for (let i = 0; i < c.length; i++) {
      let x = Number(c[c.length - 1 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return c;
  }
  return s;
}
const issuers: [string, number][] = [['4', 16], ['51', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['65', 16], ['3528', 16], ['36', 14]];
const group = (d: string, sep: string): string => (d.length === 15 ? `${d.slice(0, 4)}${sep}${d.slice(4, 10)}${sep}${d.slice(10)}` : d.length === 14 ? `${d.slice(0, 4)}${sep}${d.slice(4, 10)}${sep}${d.slice(10)}` : d.match(/.{1,4}/g)!.join(sep));
for (let i = 0; i < 40; i++) {
  const [p, n] = issuers[i % issuers.length]!;
  const d = luhnComplete(p, n);
  const f = group(d, pick(['', ' ', '-']));
  secret('card', `${p}… ${n} digits`, pick([`card ${f} exp 12/29`, JSON.stringify({ payment: { number: f } }), `charged ${f} for the order`]), f);
}
for (let i = 0; i < 20; i++) {
  const d = luhnComplete('4', 16);
  const bad = d.slice(0, 15) + ((Number(d[15]) + 1) % 10);
  lookalike('card', 'Luhn fails', `order ${group(bad, ' ')} shipped`);
}
for (const t of ['id 1000200030004000', 'epoch 1733567890123 ms', 'tracking 9400 1000 0000 0000 0000 00', 'invoice 2026-000123-0042', 'build 20261207.1432.0001']) lookalike('card', t, t);

// ---- IBAN
function iban(country: string, bban: string): string {
  const r = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of r) rem = (rem * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}
const bbans: [string, () => string][] = [
  ['DE', () => chars(DIGITS, 18)], ['GB', () => chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + chars(DIGITS, 14)], ['FR', () => chars(DIGITS, 23)],
  ['NL', () => chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + chars(DIGITS, 10)], ['ES', () => chars(DIGITS, 20)], ['IT', () => 'X' + chars(DIGITS, 22)], ['CH', () => chars(DIGITS, 17)],
];
const printed = (s: string): string => s.match(/.{1,4}/g)!.join(' ');
for (let i = 0; i < 42; i++) {
  const [c, b] = bbans[i % bbans.length]!;
  const v = iban(c, b());
  const f = i % 2 ? printed(v) : v;
  secret('iban', `${c} ${i % 2 ? 'printed' : 'compact'}`, pick([`IBAN: ${f}`, `please transfer to ${f} by Friday`, JSON.stringify({ beneficiary: { iban: f } })]), f);
}
for (let i = 0; i < 14; i++) {
  const [c, b] = bbans[i % bbans.length]!;
  const v = iban(c, b());
  const bad = v.slice(0, 2) + String((Number(v.slice(2, 4)) + 1) % 100).padStart(2, '0') + v.slice(4);
  lookalike('iban', `${c} wrong check digits`, `IBAN ${printed(bad)}`);
}
for (const t of ['BIC DEUTDEFF500', 'part AB12 CDEF 3456 7890', 'ref DE89', 'SKU GB12XYZW1234'] ) lookalike('iban', t, t);

// ---- national ids
const ssnArea = (): string => String(pick([int(1, 665), int(667, 899)])).padStart(3, '0');
for (let i = 0; i < 10; i++) { const v = `${ssnArea()}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`; secret('national_id', 'us ssn', `SSN ${v} on file`, v); }
for (let i = 0; i < 4; i++) { const v = `${ssnArea()}${String(int(1, 99)).padStart(2, '0')}${String(int(1, 9999)).padStart(4, '0')}`; secret('national_id', 'us ssn labelled', `social security number: ${v}`, v); }
const ninoFirst = 'ABCEGHJKLMNOPRSTWXYZ';
const ninoSecond = 'ABCEGHJKLMNPRSTWXYZ';
for (let i = 0; i < 8; i++) {
  let p = '';
  do p = pick([...ninoFirst]) + pick([...ninoSecond]); while (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(p));
  const v = `${p} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${pick(['A', 'B', 'C', 'D'])}`;
  secret('national_id', 'uk nino', `NI number ${i % 2 ? v.replace(/ /g, '') : v}`, i % 2 ? v.replace(/ /g, '') : v);
}
function steuerId(): string {
  for (;;) {
    const digits = [...'0123456789'].sort(() => rnd() - 0.5).slice(0, 9);
    const dup = pick(digits);
    const ten = [...digits, dup].sort(() => rnd() - 0.5);
    if (ten[0] === '0') continue;
    let product = 10;
    for (let i = 0; i < 10; i++) { let sum = (Number(ten[i]) + product) % 10; if (sum === 0) sum = 10; product = (sum * 2) % 11; }
    const check = (11 - product) % 10;
    return ten.join('') + check;
  }
}
for (let i = 0; i < 8; i++) { const v = steuerId(); secret('national_id', 'de steuer-id', `Steuer-ID: ${v}`, v); }
function nir(): string {
  const body = `${pick(['1', '2'])}${chars(DIGITS, 2)}${String(int(1, 12)).padStart(2, '0')}${String(int(1, 95)).padStart(2, '0')}${chars(DIGITS, 3)}${chars(DIGITS, 3)}`;
  return body + String(97 - Number(BigInt(body) % 97n)).padStart(2, '0');
}
for (let i = 0; i < 8; i++) { const v = nir(); const f = i % 2 ? `${v[0]} ${v.slice(1, 3)} ${v.slice(3, 5)} ${v.slice(5, 7)} ${v.slice(7, 10)} ${v.slice(10, 13)} ${v.slice(13)}` : v; secret('national_id', 'fr nir', `n° sécu ${f}`, f); }
const DNI = 'TRWAGMYFPDXBNJZSQVHLCKE';
for (let i = 0; i < 8; i++) {
  const n = chars(DIGITS, 8);
  const v = i % 2 ? `${n}${DNI[Number(n) % 23]}` : (() => { const x = pick(['X', 'Y', 'Z']); const m = chars(DIGITS, 7); return `${x}${m}${DNI[Number(String('XYZ'.indexOf(x)) + m) % 23]}`; })();
  secret('national_id', i % 2 ? 'es dni' : 'es nie', `DNI/NIE ${v}`, v);
}
function codiceFiscale(): string {
  const L = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const s = chars(L, 6) + chars(DIGITS, 2) + pick([...'ABCDEHLMPRST']) + String(int(1, 71)).padStart(2, '0') + pick([...L]) + chars(DIGITS, 3);
  const odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
  let sum = 0;
  for (let i = 0; i < 15; i++) { const c = s[i]!; const v = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65; sum += i % 2 === 0 ? odd[v]! : v; }
  return s + L[sum % 26];
}
for (let i = 0; i < 8; i++) { const v = codiceFiscale(); secret('national_id', 'it codice fiscale', `codice fiscale ${v}`, v); }
function bsn(): string {
  for (;;) {
    const d = chars(DIGITS, 8);
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(d[i]) * (9 - i);
    const last = sum % 11;
    if (last < 10 && d[0] !== '0') return d + last;
  }
}
for (let i = 0; i < 8; i++) { const v = bsn(); secret('national_id', 'nl bsn', `BSN ${v}`, v); }
for (const t of ['SSN 000-12-3456 (invalid)', 'SSN 666-12-3456', 'ref 912-34-5678', 'code 123-00-4567', 'NI BG 12 34 56 A', 'date 2026-12-07',
  'order 123456789', 'Steuer-ID 12345678901', 'DNI 12345678A', 'phone ext 4711', 'room 101-02', 'part 555-12-0000']) lookalike('national_id', t, t);

// ---- phone
for (let i = 0; i < 40; i++) {
  const forms = [
    `+1 ${int(201, 989)}-${int(200, 999)}-${chars(DIGITS, 4)}`, `(${int(201, 989)}) ${int(200, 999)}-${chars(DIGITS, 4)}`, `+44 20 ${chars(DIGITS, 4)} ${chars(DIGITS, 4)}`,
    `+49 30 ${chars(DIGITS, 8)}`, `+33 1 ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)} ${chars(DIGITS, 2)}`, `+${int(1, 98)}${chars(DIGITS, 10)}`,
    `030 ${chars(DIGITS, 4)} ${chars(DIGITS, 4)}`, `${int(201, 989)}.${int(200, 999)}.${chars(DIGITS, 4)}`,
  ];
  const f = forms[i % forms.length]!;
  secret('phone', `form ${i % forms.length}`, pick([`call me at ${f} tomorrow`, JSON.stringify({ contact: { phone: f } }), `SMS sent to ${f}.`]), f);
}
for (const t of ['released 2026-12-07', 'at 14:02:33', 'from 192.168.100.200', 'version 1.22.333', 'ISBN 978-3-16-148410-0', 'range 100-200', 'pid 48213',
  'took 1234 ms', 'zip 94107', 'coords 52.5200, 13.4050', 'build 2026.12.7']) lookalike('phone', t, t);

// ---- e-mail
for (let i = 0; i < 40; i++) {
  const v = `${pick(['ann', 'bob', 'j.smith', 'ops-team', 'li.wei+alerts', 'x_y'])}${int(1, 99)}@${pick(['example.com', 'mail.example.org', 'corp.example.co.uk', 'example.de'])}`;
  secret('email', 'address', pick([`send to ${v} please`, JSON.stringify({ to: [v] }), `<${v}>`, `mailto:${v}`]), v);
}
for (const t of ['logo@2x.png', 'root@localhost', 'ping @channel', 'npm i @opentelemetry/api', '@Component decorator', 'user at example dot com', 'icon@3x.webp']) lookalike('email', t, t);

writeFileSync(new URL('../../fixtures/redaction-tuning.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`${out.length} entries`);
