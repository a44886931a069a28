/**
 * The HELD-OUT part of the redaction corpus: written after the rules, with its own value builders,
 * templates (logs, YAML, curl, chat, tracebacks, HTTP dumps, CSV, other languages) and seed
 * (sfc32, 424242), and provider tokens built from the providers' documented formats rather than
 * from any rule's pattern. No rule was written or adjusted against it: its figures are what the
 * rules do on data they have not seen (docs/semantic-conventions.md). It includes shapes no rule
 * covers on purpose, when they are realistic. Writes test/fixtures/redaction-heldout.json.
 *
 *   npx node test/support/redaction-corpus/heldout-generator.ts
 */
import { writeFileSync } from 'node:fs';
import type { CorpusEntry } from './entry.ts';

let a = 424242, b = 0x9e3779b9, c = 0x243f6a88, d = 1;
function rand(): number {
  a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
  let t = (a + b) | 0;
  a = b ^ (b >>> 9);
  b = (c + (c << 3)) | 0;
  c = (c << 21) | (c >>> 11);
  d = (d + 1) | 0;
  t = (t + d) | 0;
  c = (c + t) | 0;
  return (t >>> 0) / 4294967296;
}
for (let i = 0; i < 20; i++) rand();
const between = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const one = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const str = (set: string, n: number): string => { let s = ''; for (let i = 0; i < n; i++) s += set[Math.floor(rand() * set.length)]; return s; };
const HEX = '0123456789abcdef';
const NUM = '0123456789';
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOW = 'abcdefghijklmnopqrstuvwxyz';
const AN = UP + LOW + NUM;
const URLSAFE = AN + '-_';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const entries: CorpusEntry[] = [];
const positive = (category: string, name: string, text: string, ...secrets: string[]): void => void entries.push({ category, kind: 'secret', name, text, secrets });
const negative = (category: string, name: string, text: string): void => void entries.push({ category, kind: 'lookalike', name, text });

/** Where text turns up in an agent's telemetry, none of them used by the tuning part. */
const places: ((s: string, label: string) => string)[] = [
  (s, l) => `2026-12-07T10:31:02.114Z INFO agent tool=run_shell stdout="${l}: ${s}"`,
  (s, l) => `env:\n  - name: ${l.toUpperCase().replace(/\W/g, '_')}\n    value: ${s}\n  - name: LOG_LEVEL\n    value: debug`,
  (s) => `curl -sS -H "X-Api-Key: ${s}" https://api.example.com/v1/me`,
  (s, l) => `User: here is my ${l} ${s} — can you check why the call fails?`,
  (s) => `Traceback (most recent call last):\n  File "app.py", line 12, in <module>\n    client = Client("${s}")\nValueError: rejected`,
  (s, l) => JSON.stringify({ result: { stdout: `export ${l.toUpperCase().replace(/\W/g, '_')}=${s}\n`, exit: 0 } }),
  (s) => `> GET /v1/projects HTTP/1.1\r\n> Host: api.example.com\r\n> X-Token: ${s}\r\n> Accept: */*`,
  (s, l) => `environment,${l}\nproduction,${s}\nstaging,<unset>`,
  (s, l) => `| env | ${l} |\n| --- | --- |\n| prod | ${s} |`,
  (s, l) => `Voici la clé ${l} : ${s} (ne pas partager)`,
];
const place = (s: string, label: string): string => one(places)(s, label);

// ---- provider tokens, from documented formats
const tokens: [string, () => string][] = [
  ['github classic', () => `ghp_${str(AN, 36)}`], ['github oauth', () => `gho_${str(AN, 36)}`], ['github app', () => `ghs_${str(AN, 36)}`],
  ['github user-to-server', () => `ghu_${str(AN, 36)}`], ['github fine-grained', () => `github_pat_${str(AN, 22)}_${str(AN, 59)}`],
  ['gitlab pat', () => `glpat-${str(URLSAFE, 20)}`], ['gitlab trigger', () => `glptt-${str(HEX, 40)}`], ['gitlab runner', () => `glrt-${str(URLSAFE, 20)}`],
  ['aws key id', () => `AKIA${str(B32, 16)}`], ['aws sts key id', () => `ASIA${str(B32, 16)}`], ['google api key', () => `AIza${str(URLSAFE, 35)}`],
  ['google oauth secret', () => `GOCSPX-${str(URLSAFE, 28)}`], ['slack bot', () => `xoxb-${str(NUM, 12)}-${str(NUM, 13)}-${str(AN, 24)}`],
  ['slack user', () => `xoxp-${str(NUM, 12)}-${str(NUM, 12)}-${str(NUM, 13)}-${str(HEX, 32)}`], ['slack app', () => `xapp-1-A${str(UP + NUM, 10)}-${str(NUM, 13)}-${str(HEX, 64)}`],
  ['slack webhook', () => `https://hooks.slack.com/services/T${str(UP + NUM, 8)}/B${str(UP + NUM, 8)}/${str(AN, 24)}`],
  ['stripe secret', () => `sk_live_${str(AN, 24)}`], ['stripe restricted', () => `rk_live_${str(AN, 24)}`], ['stripe test', () => `sk_test_${str(AN, 32)}`],
  ['openai project', () => `sk-proj-${str(URLSAFE, 58)}T3BlbkFJ${str(URLSAFE, 58)}`], ['openai legacy', () => `sk-${str(AN, 20)}T3BlbkFJ${str(AN, 20)}`],
  ['anthropic', () => `sk-ant-api03-${str(URLSAFE, 93)}AA`], ['hugging face', () => `hf_${str(UP + LOW, 34)}`], ['npm', () => `npm_${str(AN, 36)}`],
  ['pypi', () => `pypi-AgEIcHlwaS5vcmc${str(URLSAFE, 70)}`], ['twilio api key', () => `SK${str(HEX, 32)}`], ['sendgrid', () => `SG.${str(URLSAFE, 22)}.${str(URLSAFE, 43)}`],
  ['mailgun', () => `key-${str(HEX, 32)}`], ['mailchimp', () => `${str(HEX, 32)}-us${between(1, 21)}`], ['shopify admin', () => `shpat_${str(HEX, 32)}`],
  ['shopify shared secret', () => `shpss_${str(HEX, 32)}`], ['digitalocean', () => `dop_v1_${str(HEX, 64)}`], ['databricks', () => `dapi${str(HEX, 32)}`],
  ['doppler', () => `dp.pt.${str(AN, 43)}`], ['linear', () => `lin_api_${str(AN, 40)}`], ['postman', () => `PMAK-${str(HEX, 24)}-${str(HEX, 34)}`],
  ['sentry user', () => `sntryu_${str(HEX, 64)}`], ['grafana service account', () => `glsa_${str(AN, 32)}_${str(HEX, 8)}`],
  ['vault', () => `hvs.${str(URLSAFE, 90)}`], ['terraform cloud', () => `${str(AN, 14)}.atlasv1.${str(AN, 67)}`], ['heroku', () => `HRKU-AA${str(URLSAFE, 58)}`],
  ['fly.io', () => `fo1_${str(URLSAFE, 43)}`], ['supabase', () => `sbp_${str(HEX, 40)}`], ['planetscale', () => `pscale_tkn_${str(URLSAFE, 43)}`],
  ['pulumi', () => `pul-${str(HEX, 40)}`], ['square', () => `EAAA${str(URLSAFE, 60)}`], ['telegram bot', () => `${between(100000000, 999999999)}:AA${str(URLSAFE, 33)}`],
  ['age secret key', () => `AGE-SECRET-KEY-1${str('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'.toUpperCase(), 58)}`], ['dynatrace', () => `dt0c01.${str(UP + NUM, 24)}.${str(UP + NUM, 64)}`],
  ['new relic user key', () => `NRAK-${str(UP + NUM, 27)}`], ['contentful', () => `CFPAT-${str(URLSAFE, 43)}`], ['figma', () => `figd_${str(URLSAFE, 40)}`],
  ['shippo', () => `shippo_live_${str(HEX, 40)}`], ['easypost', () => `EZAK${str(AN, 54)}`], ['airtable pat', () => `pat${str(AN, 14)}.${str(HEX, 64)}`],
  ['prefect', () => `pnu_${str(AN, 36)}`], ['docker hub', () => `dckr_pat_${str(URLSAFE, 27)}`], ['readme', () => `rdme_${str(HEX, 70)}`],
  ['groq', () => `gsk_${str(AN, 52)}`], ['perplexity', () => `pplx-${str(AN, 48)}`], ['replicate', () => `r8_${str(AN, 37)}`],
  ['jwt', () => `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${str(URLSAFE, 80)}.${str(URLSAFE, 86)}`],
  ['azure storage key', () => `DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey=${str(AN + '+/', 86)}==;EndpointSuffix=core.windows.net`],
];
for (const [name, make] of tokens) {
  for (let i = 0; i < 3; i++) {
    const t = make();
    const secretPart = t.includes('AccountKey=') ? t.slice(t.indexOf('AccountKey=') + 11, t.indexOf('==;') + 2) : t.startsWith('https://hooks') ? t.slice(t.lastIndexOf('/') + 1) : t;
    positive('provider_token', name, place(t, `${name} token`), secretPart);
  }
}
for (const t of [
  'ghp_ tokens are classic personal access tokens', 'pip install scikit-learn; import sk-learn is a common typo', 'arn:aws:iam::123456789012:role/deploy',
  'image sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'pod api-7d9f8c6b5-x2k4p restarted 3 times', 'state=af0ifjsldkj&code_challenge_method=S256',
  'color: #a1b2c3; border: 1px solid #ddd', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy-key (public)', 'echo aGVsbG8gd29ybGQ= | base64 -d',
  'https://s3.eu-west-1.amazonaws.com/prod-assets/logo.svg', 'the AKIA prefix marks long-term keys', 'xoxb- is the bot token prefix',
  'git log 8f3e2a1..c94b7d0 --oneline', 'etag W/"5e8f-1a2b3c4d"', 'request_id=req_9f8e7d6c5b4a', 'node_modules/.pnpm/typescript@5.9.3/node_modules',
  'OpenTelemetry trace 0af7651916cd43dd8448eb211c80319c span b7ad6b7169203331', 'the model answered with 512 tokens (max_tokens 4096)',
  'API keys are created in the dashboard under Settings → Keys', 'sk_live_ keys must never be committed', 'token_type: bearer', 'expires_in: 3600',
  'password reset link expires in 30 minutes', 'Bearer authentication failed: token expired', 'kubectl get secret app-tls -o yaml', 'uuid 123e4567-e89b-12d3-a456-426614174000',
]) negative('provider_token', t, t);

// ---- private keys and other secrets wrapped over lines
const BASE64 = AN + '+/';
for (let i = 0; i < 100; i++) {
  const kind = one(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK']);
  const width = one([64, 70, 76]);
  const body = str(BASE64, between(300, 1700));
  const lines = body.match(new RegExp(`.{1,${width}}`, 'g'))!;
  const style = between(0, 5);
  let shown: string[] = [...lines];
  if (style === 1) shown = lines.slice(0, between(1, Math.max(1, lines.length - 2)));
  if (style === 2) shown = [...lines.slice(0, -1), lines[lines.length - 1]!.slice(0, Math.max(4, Math.floor(lines[lines.length - 1]!.length / 2)))];
  const complete = style !== 1 && style !== 2;
  const pre = kind === 'PGP PRIVATE KEY BLOCK' ? 'Version: GnuPG v2\n\n' : kind === 'RSA PRIVATE KEY' && i % 4 === 0 ? 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,' + str(HEX.toUpperCase(), 32) + '\n\n' : '';
  const pem = `-----BEGIN ${kind}-----\n${pre}${shown.join('\n')}\n${complete ? `-----END ${kind}-----\n` : ''}`;
  const where = between(0, 4);
  const text =
    where === 0 ? `$ cat ~/.ssh/id_deploy\n${pem}` :
    where === 1 ? JSON.stringify({ type: 'service_account', project_id: 'prod-42', private_key_id: str(HEX, 40), private_key: pem, client_email: 'svc@prod-42.iam.example.com' }) :
    where === 2 ? `apiVersion: v1\nkind: Secret\nstringData:\n  tls.key: |\n${pem.split('\n').map((l) => `      ${l}`).join('\n')}` :
    where === 3 ? pem.replace(/\n/g, '\r\n') :
    JSON.stringify({ role: 'tool', content: [{ type: 'text', text: `Found key:\n${pem}` }] });
  positive('private_key', `${kind}, ${['whole', 'cut after whole lines', 'cut mid-line', 'whole', 'whole', 'whole'][style]}, ${['shell', 'service-account JSON', 'k8s YAML', 'CRLF', 'tool message JSON'][where]}`, text, shown[0]!, shown[Math.floor(shown.length / 2)]!, shown[shown.length - 1]!);
}
for (let i = 0; i < 3; i++) {
  const lines = str(BASE64, 600).match(/.{1,64}/g)!;
  positive('private_key', 'PuTTY key file', `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n${str(BASE64, 64)}\n${str(BASE64, 20)}\nPrivate-Lines: ${lines.length}\n${lines.join('\n')}\nPrivate-MAC: ${str(HEX, 64)}`, lines[0]!, lines[lines.length - 1]!);
}
for (const t of [
  '-----BEGIN CERTIFICATE REQUEST-----\nMIICvDCCAaQCAQAwdzELMAkGA1UEBhMCVVMx\n-----END CERTIFICATE REQUEST-----', '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA+xGZ/wcz9ugFpP07Nspo6U17l0YhFiFpxxU4pTk3Lifz9R3zsIsu\n-----END RSA PUBLIC KEY-----',
  'Error: error:1E08010C:DECODER routines::unsupported (is the PRIVATE KEY header missing?)', 'openssl rsa -in key.pem -check', 'ssh-keygen -t ed25519 -C "deploy"',
  'the private_key_id field identifies the key', 'PEM files start with a BEGIN line and end with an END line', '-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----',
  'key rotation: private keys older than 90 days are revoked', 'Private-Lines count mismatch',
]) negative('private_key', t.slice(0, 40), t);

// ---- connection strings
const pass = (): string => one([str(AN, between(10, 18)), `${one(['Summer', 'Winter', 'Blue', 'Rocket'])}${between(10, 99)}${one(['!', '$', '%25', '+', ')'])}${str(LOW, 3)}`, str(HEX, 24)]);
const dbForms: [string, (p: string) => string][] = [
  ['postgresql sslmode', (p) => `postgresql://orders_rw:${p}@pg.prod.internal:6432/orders?sslmode=require`],
  ['sqlalchemy mysql', (p) => `SQLALCHEMY_DATABASE_URI = "mysql+pymysql://app:${p}@mysql-primary/app"`],
  ['mongodb+srv options', (p) => `mongodb+srv://reader:${p}@cluster7.x9y8z.mongodb.net/analytics?authSource=admin&w=majority`],
  ['rediss default user', (p) => `REDIS_URL=rediss://default:${p}@redis-12345.c1.eu-west-1.cloud.example.com:12345`],
  ['amqps', (p) => `broker_url = "amqps://worker:${p}@mq.internal:5671/%2F"`],
  ['smtp url', (p) => `EMAIL_URL=smtp://mailer:${p}@smtp.example.com:587`],
  ['ftp url', (p) => `ftp://backup:${p}@files.example.net/nightly/`],
  ['jdbc sqlserver', (p) => `jdbc:sqlserver://sql01:1433;databaseName=erp;user=erp_app;password=${p};encrypt=true`],
  ['odbc', (p) => `Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql01,1433;Uid=erp_app;Pwd=${p};Encrypt=yes;`],
  ['ado.net', (p) => `"ConnectionStrings": { "Default": "Data Source=sql01;Initial Catalog=erp;User ID=erp_app;Password=${p};" }`],
  ['kafka jaas', (p) => `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="svc" password="${p}";`],
  ['jdbc oracle thin', (p) => `jdbc:oracle:thin:scott/${p}@db-ora:1521/ORCLPDB1`],
  ['mysql cli', (p) => `mysql -h db -u root -p${p} shop < dump.sql`],
  ['libpq keywords', (p) => `host=db port=5432 dbname=app user=app password=${p} sslmode=verify-full`],
];
for (let i = 0; i < 105; i++) {
  const [name, f] = dbForms[i % dbForms.length]!;
  const p = pass();
  positive('connection_string', name, i % 3 === 0 ? JSON.stringify({ tool: 'db_query', args: { dsn: f(p) } }) : f(p), p);
}
for (const t of [
  'postgresql://pg.prod.internal:6432/orders?sslmode=require', 'mongodb+srv://cluster7.x9y8z.mongodb.net/analytics', 'redis://localhost', 'jdbc:sqlserver://sql01:1433;databaseName=erp;integratedSecurity=true',
  'Driver={ODBC Driver 18 for SQL Server};Server=sql01;Trusted_Connection=yes;', 'mysql -h db -u root -p shop', 'host=db port=5432 dbname=app user=app sslmode=verify-full',
  'https://grafana.example.com/d/abc123/overview?orgId=1&from=now-6h', 'git clone https://github.com/example/repo.git', 'sqlite:///var/lib/app/app.db',
  'set the password in the PGPASSWORD environment variable', 'connection refused: postgres://db:5432 (is the server running?)', 'amqp://guest@localhost (default vhost)',
]) negative('connection_string', t.slice(0, 40), t);

// ---- assignments, headers, JSON keys in content
const assignForms: [string, (v: string) => string, boolean][] = [
  ['terraform', (v) => `resource "db" "main" {\n  password = "${v}"\n}`, true],
  ['k8s stringData', (v) => `stringData:\n  DB_PASS: placeholder\n  password: ${v}`, true],
  ['python kwargs', (v) => `conn = connect(host="db", user="app", password="${v}")`, true],
  ['camelCase json', (v) => JSON.stringify({ clientId: 'web', clientSecret: v }), true],
  ['.npmrc', (v) => `//registry.example.com/:_authToken=${v}`, true],
  ['java system property', (v) => `java -Dapp.db.password=${v} -jar app.jar`, true],
  ['PGPASSWORD', (v) => `PGPASSWORD=${v} psql -h db -U app`, true],
  ['x-api-key json header', (v) => JSON.stringify({ headers: { 'x-api-key': v, accept: 'application/json' } }), true],
  ['apiKey yaml', (v) => `openai:\n  apiKey: ${v}\n  model: gpt-4o`, true],
  ['authorization token', (v) => `Authorization: Token ${v}`, true],
  ['bearer in log', (v) => `[http] --> POST /v1/chat Authorization=Bearer ${v}`, true],
  ['bare pass key', (v) => JSON.stringify({ user: 'ann', pass: v }), true],
  ['bare token key', (v) => `{"token": "${v}", "expires": 3600}`, true],
];
for (let i = 0; i < 104; i++) {
  const [name, f] = assignForms[i % assignForms.length]!;
  const v = one([`${str(AN, between(12, 20))}`, `${one(['Tr0ub4dor', 'hunter', 'P@ss', 'Qwerty'])}${between(100, 999)}${one(['&3', '#!', '$', '.x'])}`, str(HEX, 32)]);
  positive('secret_assignment', name, f(v), v);
}
for (const t of [
  'Password: (hidden)', 'password: null', 'passwordless login is enabled for this tenant', 'api_key: ${{ secrets.OPENAI_API_KEY }}', 'secret: !vault |',
  'token: "{{ token }}"', 'Enter your password:', 'password_policy: min_length=12', 'secret_ref: vault://kv/app', 'api_key_env: OPENAI_API_KEY',
  '{"error":"invalid_client","error_description":"client_secret is missing"}', '{"password":"Password must contain a number"}', 'passwords do not match',
  'The secret to good logs is structure.', 'apiKey: process.env.OPENAI_API_KEY', 'password = getpass.getpass()', 'Authorization: Bearer <token>',
  'credentials: default', 'x-api-key header is required', 'token counts: prompt=812 completion=96',
]) negative('secret_assignment', t.slice(0, 40), t);

// ---- cards
const cardBrands: [string, () => string, number][] = [
  ['visa', () => '4' + str(NUM, 14), 16], ['mastercard', () => '5' + one(['1', '2', '3', '4', '5']) + str(NUM, 13), 16], ['mastercard 2-series', () => '27' + one(['0', '1']) + str(NUM, 12), 16],
  ['amex', () => '3' + one(['4', '7']) + str(NUM, 12), 15], ['discover', () => '6011' + str(NUM, 11), 16], ['jcb', () => '35' + one(['28', '50', '89']) + str(NUM, 11), 16],
  ['unionpay', () => '62' + str(NUM, 13), 16], ['diners', () => '30' + one(['0', '5']) + str(NUM, 10), 14], ['visa 19', () => '4' + str(NUM, 17), 19],
];
const withCheck = (partial: string): string => {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let x = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) { x *= 2; if (x > 9) x -= 9; }
    sum += x;
  }
  return partial + ((10 - (sum % 10)) % 10);
};
const spaced = (n: string): string => (n.length === 15 ? `${n.slice(0, 4)} ${n.slice(4, 10)} ${n.slice(10)}` : n.replace(/(\d{4})(?=\d)/g, '$1 '));
for (let i = 0; i < 108; i++) {
  const [name, make] = cardBrands[i % cardBrands.length]!;
  const n = withCheck(make());
  const shown = one([n, spaced(n), spaced(n).replace(/ /g, '-')]);
  const text = one([
    `Zahlung mit Karte ${shown}, gültig bis 09/28`, JSON.stringify({ payment_method: { card: { pan: shown, exp_month: 9 } } }), `customer pasted: my card is ${shown} cvv 123`,
    `| order | card |\n| 8812 | ${shown} |`, `charge failed for card=${shown} reason=insufficient_funds`,
  ]);
  positive('card', name, text, shown);
}
for (let i = 0; i < 20; i++) { const n = withCheck('4' + str(NUM, 14)); const bad = n.slice(0, -1) + ((Number(n.slice(-1)) + 5) % 10); negative('card', 'visa-shaped, Luhn fails', `ref ${bad}`); }
for (let i = 0; i < 10; i++) negative('card', 'IMEI', `device IMEI ${withCheck('35' + str(NUM, 12))}`);
for (const t of ['EAN 4006381333931', 'ISBN 978-0-306-40615-7', 'UPS 1Z999AA10123456784', 'FedEx 449044304137821', 'epoch_ms=1765103462114', 'order #5012 3456 7890', 'phone +1 555 0100 1234 5678']) negative('card', t, t);

// ---- IBAN
const ibanCountries: [string, number, string][] = [
  ['BE', 12, 'n'], ['AT', 16, 'n'], ['PL', 24, 'n'], ['PT', 21, 'n'], ['SE', 20, 'n'], ['NO', 11, 'n'], ['DK', 14, 'n'], ['FI', 14, 'n'], ['IE', 18, 'IE'],
  ['LU', 16, 'n'], ['SA', 20, 'n'], ['AE', 19, 'n'], ['TR', 22, 'n'], ['DE', 18, 'n'], ['GB', 18, 'IE'], ['FR', 23, 'n'], ['IT', 23, 'IT'], ['ES', 20, 'n'], ['NL', 14, 'IE'], ['CH', 17, 'n'],
];
const makeIban = (cc: string, n: number, shape: string): string => {
  const bban = shape === 'IE' ? str(UP, 4) + str(NUM, n - 4) : shape === 'IT' ? str(UP, 1) + str(NUM, n - 1) : str(NUM, n);
  const moved = (bban + cc + '00').replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
  let r = 0;
  for (const ch of moved) r = (r * 10 + Number(ch)) % 97;
  return cc + String(98 - r).padStart(2, '0') + bban;
};
for (let i = 0; i < 100; i++) {
  const [cc, n, shape] = ibanCountries[i % ibanCountries.length]!;
  const v = makeIban(cc, n, shape);
  const shown = i % 2 ? v.replace(/(.{4})(?=.)/g, '$1 ') : v;
  positive('iban', cc, one([`Bitte überweisen Sie den Betrag auf ${shown} (Verwendungszweck 2026-117).`, `Virement vers IBAN ${shown} effectué`, JSON.stringify({ payout: { account: shown, currency: 'EUR' } }), `iban=${shown}&bic=ABCDDEFFXXX`]), shown);
}
for (let i = 0; i < 15; i++) { const [cc, n, shape] = ibanCountries[i]!; const v = makeIban(cc, n, shape); negative('iban', `${cc} one digit changed`, `account ${v.slice(0, -1)}${(Number(v.slice(-1)) + 1) % 10}`); }
for (const t of ['BIC COBADEFFXXX', 'postcode SW1A 1AA', 'VAT DE123456789', 'container MSCU1234565', 'serial AB1234CD5678EF', 'flight LH2026 1234', 'GB2024REPORT0001']) negative('iban', t, t);

// ---- national ids
const validSsn = (): string => { let area = 0; do area = between(1, 899); while (area === 666); return `${String(area).padStart(3, '0')}-${String(between(1, 99)).padStart(2, '0')}-${String(between(1, 9999)).padStart(4, '0')}`; };
for (let i = 0; i < 20; i++) { const v = validSsn(); const shown = i % 3 === 0 ? v.replace(/-/g, ' ') : v; positive('national_id', 'us ssn', one([`Applicant SSN: ${shown}`, JSON.stringify({ applicant: { ssn: shown } }), `ssn,name\n${shown},Ann Lee`]), shown); }
for (let i = 0; i < 12; i++) {
  const first = 'ABCEGHJKLMNOPRSTWXYZ', second = 'ABCEGHJKLMNPRSTWXYZ';
  let p: string;
  do p = one([...first]) + one([...second]); while (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(p));
  const v = `${p}${str(NUM, 6)}${one(['A', 'B', 'C', 'D'])}`;
  const shown = i % 2 ? v.replace(/^(..)(..)(..)(..)(.)$/, '$1 $2 $3 $4 $5') : v;
  positive('national_id', 'uk nino', `National Insurance No. ${shown}`, shown);
}
const steuer = (): string => {
  for (;;) {
    const pool = [...NUM].sort(() => rand() - 0.5);
    const ten = [...pool.slice(0, 9), pool[between(0, 8)]!].sort(() => rand() - 0.5);
    if (ten[0] === '0') continue;
    let prod = 10;
    for (const ch of ten) { let s = (Number(ch) + prod) % 10; if (s === 0) s = 10; prod = (s * 2) % 11; }
    return ten.join('') + ((11 - prod) % 10);
  }
};
for (let i = 0; i < 12; i++) { const v = steuer(); const shown = i % 2 ? `${v.slice(0, 2)} ${v.slice(2, 5)} ${v.slice(5, 8)} ${v.slice(8)}` : v; positive('national_id', 'de steuer-id', `Ihre steuerliche Identifikationsnummer lautet ${shown}.`, shown); }
const frNir = (): string => { const body = `${one(['1', '2'])}${str(NUM, 2)}${String(between(1, 12)).padStart(2, '0')}${String(between(1, 95)).padStart(2, '0')}${str(NUM, 6)}`; return body + String(97 - Number(BigInt(body) % 97n)).padStart(2, '0'); };
for (let i = 0; i < 12; i++) { const v = frNir(); const shown = i % 2 ? v : `${v[0]} ${v.slice(1, 3)} ${v.slice(3, 5)} ${v.slice(5, 7)} ${v.slice(7, 10)} ${v.slice(10, 13)} ${v.slice(13)}`; positive('national_id', 'fr nir', `Numéro de sécurité sociale : ${shown}`, shown); }
const L23 = 'TRWAGMYFPDXBNJZSQVHLCKE';
for (let i = 0; i < 12; i++) {
  if (i % 2) { const n = str(NUM, 8); const v = `${n}-${L23[Number(n) % 23]}`; positive('national_id', 'es dni dashed', `DNI ${v}`, v); }
  else { const x = between(0, 2); const m = str(NUM, 7); const v = `${'XYZ'[x]}-${m}-${L23[Number(`${x}${m}`) % 23]}`; positive('national_id', 'es nie dashed', `NIE ${v}`, v); }
}
const cfOdd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
for (let i = 0; i < 12; i++) {
  const s = str(UP, 6) + str(NUM, 2) + one([...'ABCDEHLMPRST']) + String(between(1, 31) + (i % 2 ? 40 : 0)).padStart(2, '0') + one([...'AFHLZ']) + str(NUM, 3);
  let sum = 0;
  for (let k = 0; k < 15; k++) { const ch = s[k]!; const v = ch >= 'A' ? ch.charCodeAt(0) - 65 : Number(ch); sum += k % 2 === 0 ? cfOdd[v]! : v; }
  const v = s + UP[sum % 26];
  positive('national_id', 'it codice fiscale', `C.F. ${v}`, v);
}
const bsn = (): string => { for (;;) { const dd = String(between(1, 9)) + str(NUM, 7); let t = 0; for (let k = 0; k < 8; k++) t += Number(dd[k]) * (9 - k); const last = t % 11; if (last < 10) return dd + last; } };
for (let i = 0; i < 12; i++) { const v = bsn(); const shown = i % 2 ? `${v.slice(0, 4)}.${v.slice(4, 6)}.${v.slice(6)}` : v; positive('national_id', 'nl bsn', `Burgerservicenummer: ${shown}`, shown); }
for (const t of [
  'SSN 900-12-3456', 'SSN 123-45-0000', 'ticket 123-45-67890', 'NINO TN 12 34 56 A', 'Steuernummer 21/815/08150', 'ID 98765432101 (wrong check digit)',
  'DNI 12345678-A', 'C.F. RSSMRA85T10A562X', 'BSN 123456789', 'dated 07.12.2026', 'call 2026-12-07 10:31', 'zip 10115 Berlin', 'case no. 2026/117/4411',
  'meeting room 4.12.301', 'IP 10.42.7.19', 'v12.345.6789',
]) negative('national_id', t, t);

// ---- phone
const phones = [
  () => `+81 3-${str(NUM, 4)}-${str(NUM, 4)}`, () => `+61 2 ${str(NUM, 4)} ${str(NUM, 4)}`, () => `+91 98${str(NUM, 3)} ${str(NUM, 5)}`, () => `+34 6${str(NUM, 2)} ${str(NUM, 2)} ${str(NUM, 2)} ${str(NUM, 2)}`,
  () => `+39 06 ${str(NUM, 4)} ${str(NUM, 4)}`, () => `+1-800-${between(200, 999)}-${str(NUM, 4)}`, () => `0044 20 ${str(NUM, 4)} ${str(NUM, 4)}`, () => `+44 (0)20 ${str(NUM, 4)} ${str(NUM, 4)}`,
  () => `tel:+1${between(201, 989)}${between(200, 999)}${str(NUM, 4)}`, () => `+49 (0) 30 ${str(NUM, 7)}`, () => `(0${between(20, 89)}) ${str(NUM, 4)} ${str(NUM, 4)}`, () => `+33 6 ${str(NUM, 2)} ${str(NUM, 2)} ${str(NUM, 2)} ${str(NUM, 2)}`,
  () => `${between(201, 989)}-${between(200, 999)}-${str(NUM, 4)}`, () => `+65 ${str(NUM, 4)} ${str(NUM, 4)}`,
];
for (let i = 0; i < 112; i++) {
  const p = phones[i % phones.length]!();
  positive('phone', `format ${i % phones.length}`, one([`Rückruf bitte unter ${p}.`, `ring me on ${p} after 5`, JSON.stringify({ recipient: { msisdn: p } }), `contact: Ann Lee, ${p}, Berlin`, `<a href="${p.startsWith('tel:') ? p : `tel:${p}`}">call</a>`]), p.replace(/^tel:/, ''));
}
for (const t of [
  'ISBN 0-306-40615-2', 'timestamp 2026-12-07 10:31:02', 'duration 00:12:45.120', 'IPv6 2001:db8::8a2e:370:7334', 'MAC 00:1A:2B:3C:4D:5E', 'price 1 299,00 €', 'population 8 336 817',
  'version 2026.12.07', 'port range 30000-32767', 'lat 48.8566 lon 2.3522', 'order INV-2026-00042', 'bytes 1,234,567,890', 'seq 3-14-15-92', 'GTIN 0 12345 67890 5',
]) negative('phone', t, t);

// ---- e-mail
for (let i = 0; i < 104; i++) {
  const local = one(['ann.lee', 'Bob.Smith', 'ops+pager', 'first_last', 'x', 'team-billing', 'j.doe-99', 'NOC']);
  const domain = one(['example.com', 'eu.mail.example.net', 'example.co.jp', 'sub.example.io', 'EXAMPLE.ORG', 'example-corp.travel']);
  const v = `${local}${i % 5 === 0 ? '' : between(1, 9)}@${domain}`;
  positive('email', 'address', one([`From: "Ann Lee" <${v}>`, `Antwort an ${v} gesendet`, JSON.stringify({ cc: ['team@example.com'.replace('team', 'desk'), v] }), `contact ${v}.`, `mailto:${v}?subject=hi`]), v);
}
for (const t of ['npm i react@18.3.1', 'yarn add @types/node@24', 'avatar@2x.jpg', 'see @ann in #ops', 'git@ host key changed', '@@ -12,7 +12,8 @@', 'user@ (no domain)', 'price: 3 @ 9.99 each']) negative('email', t, t);

writeFileSync(new URL('../../fixtures/redaction-heldout.json', import.meta.url), JSON.stringify(entries, null, 1) + '\n');
console.log(`${entries.length} entries`);
