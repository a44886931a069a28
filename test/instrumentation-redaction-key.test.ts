/**
 * FLIGHTREC_REDACTION_KEY through init(): personal data in exported spans becomes a keyed
 * pseudonym (the same recipient reads the same), and options that set their own key win. One
 * init() per file: the OpenTelemetry globals are registered once per process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { init, startToolCall } from '../instrumentation/index.ts';
import { redactionFromEnv } from '../instrumentation/init.ts';
import { Flightrec } from '../instrumentation/semconv.ts';

afterEach(() => {
  delete process.env.FLIGHTREC_REDACTION_KEY;
});

async function targetsWith(opts: Parameters<typeof init>[0]): Promise<string[]> {
  const memory = new InMemorySpanExporter();
  const fr = init({ serviceName: 'pseudonyms', exporter: memory, simpleExport: true, ...opts });
  for (const to of ['ann@example.com', 'bob@example.com', 'Ann@Example.com']) startToolCall({ name: 'send_email', targetResource: `mailto:${to}` }).end('ok');
  await fr.forceFlush();
  const targets = memory.getFinishedSpans().map((s) => String(s.attributes[Flightrec.targetResource]));
  await fr.shutdown();
  return targets;
}

describe('FLIGHTREC_REDACTION_KEY', () => {
  it('pseudonymises recipients in exported spans', async () => {
    process.env.FLIGHTREC_REDACTION_KEY = 'env-key';
    const [ann, bob, ann2] = await targetsWith({});
    expect(ann).toMatch(/^mailto:\[REDACTED:email:[0-9a-f]{12}\]$/);
    expect(ann2).toBe(ann);
    expect(bob).not.toBe(ann);
  });

  it('a key in the options wins; redaction off stays off; without the variable nothing is added', () => {
    process.env.FLIGHTREC_REDACTION_KEY = 'env-key';
    expect(redactionFromEnv(undefined)).toEqual({ pseudonymKey: 'env-key' });
    expect(redactionFromEnv({ disableRules: ['phone'] })).toEqual({ disableRules: ['phone'], pseudonymKey: 'env-key' });
    expect(redactionFromEnv({ pseudonymKey: 'option-key' })).toEqual({ pseudonymKey: 'option-key' });
    expect(redactionFromEnv(false)).toBe(false);
    delete process.env.FLIGHTREC_REDACTION_KEY;
    expect(redactionFromEnv(undefined)).toBeUndefined();
    expect(redactionFromEnv({ disableRules: ['phone'] })).toEqual({ disableRules: ['phone'] });
  });
});
