/**
 * Why flightrec's redactor is its own code: measured against the libraries named in
 * /work/shared/notes/platform.md, on the same inputs, in one run.
 *   - value patterns on a 1 KB tool-argument string: flightrec redactText vs @secretlint/core
 *     lintSource with the recommended preset (detection only — it reports, it does not replace);
 *   - key-based redaction of the same arguments as an object: flightrec redactDeep (keys only) vs
 *     @pinojs/redact with the equivalent paths;
 *   - detection on test/fixtures/redaction-corpus.json: how many secrets each finds, how many
 *     look-alikes each flags.
 * The libraries are not dependencies; install them for this run only:
 *   npm install --no-save @secretlint/core@13 @secretlint/secretlint-rule-preset-recommend@13 @pinojs/redact@0.4
 *   npx node bench/instrumentation-redaction-choice.ts
 */
import { readFileSync } from 'node:fs';
import { createRedactor } from '../instrumentation/redaction/default-redactor.ts';

interface Corpus { secrets: { name: string; text: string; secret: string }[]; lookalikes: { name: string; text: string }[] }
const corpus = JSON.parse(readFileSync(new URL('../test/fixtures/redaction-corpus.json', import.meta.url), 'utf8')) as Corpus;

const args = {
  to: 'ann.lee@example.com',
  subject: 'Quarterly invoice reminder for account 2026-Q4',
  body: 'Hello Ann,\n\nThis is a reminder that the invoice for the fourth quarter is due at the end of the month. '.repeat(7).slice(0, 800),
  headers: { authorization: 'Bearer abcdefghijklmnop0123456789', 'x-request-id': 'r-1' },
  password: 'hunter2hunter2',
};
const text = JSON.stringify(args);

async function perCall(fn: () => unknown, n: number): Promise<number> {
  for (let i = 0; i < Math.min(n, 500); i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

async function optional(name: string): Promise<any> {
  try {
    const spec = name; // a variable, so the type checker does not require the package
    return await import(spec);
  } catch {
    return undefined;
  }
}

const flightrec = createRedactor();
console.log(`node ${process.version}; input ${Buffer.byteLength(text)} B`);
console.log(`flightrec redactText (value patterns)      ${(await perCall(() => flightrec.redactText(text), 20000)).toFixed(2)} µs/call`);
console.log(`flightrec redactDeep, keys only             ${(await perCall(() => flightrec.redactDeep(args, false), 20000)).toFixed(2)} µs/call`);
const fDetect = corpus.secrets.filter((s) => !flightrec.redactText(s.text).value.includes(s.secret)).length;
const fFalse = corpus.lookalikes.filter((l) => flightrec.redactText(l.text).rules.length > 0).length;
console.log(`flightrec on the corpus: ${fDetect}/${corpus.secrets.length} secrets/PII redacted, ${fFalse}/${corpus.lookalikes.length} look-alikes touched`);

const core = await optional('@secretlint/core');
const preset = await optional('@secretlint/secretlint-rule-preset-recommend');
if (core && preset) {
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset.creator ?? preset.default?.creator ?? preset.default }] };
  const lint = (content: string) => core.lintSource({ source: { filePath: 'span.txt', content, contentType: 'text' }, options: { config, noPhysicFilePath: true } });
  console.log(`@secretlint/core lintSource (detect only)   ${(await perCall(() => lint(text), 2000)).toFixed(2)} µs/call`);
  let found = 0;
  let flagged = 0;
  for (const s of corpus.secrets) if ((await lint(s.text)).messages.length > 0) found++;
  for (const l of corpus.lookalikes) if ((await lint(l.text)).messages.length > 0) flagged++;
  console.log(`secretlint on the corpus: ${found}/${corpus.secrets.length} secrets/PII found (no PII rules), ${flagged}/${corpus.lookalikes.length} look-alikes flagged`);
} else {
  console.log('@secretlint/core not installed: see the header for the one-off install');
}

const pino = await optional('@pinojs/redact');
if (pino) {
  const make = pino.default ?? pino;
  const redact = make({ paths: ['password', 'headers.authorization', '*.password', '*.token'], serialize: false });
  console.log(`@pinojs/redact (known paths only)           ${(await perCall(() => redact(args), 20000)).toFixed(2)} µs/call`);
} else {
  console.log('@pinojs/redact not installed: see the header for the one-off install');
}
