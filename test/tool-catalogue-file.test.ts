/**
 * Risk without code, end to end: an operator's catalogue file (FLIGHTREC_TOOL_CATALOGUE) is compiled
 * into the store's mapping when `flightrec up` migrates, so foreign tool spans get its effect and
 * risk; the same catalogue is in the DDL printed for a ClickHouse server behind the collector; a
 * bad file stops the start with one line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOGUE_FILE_LIMITS } from '../conventions/tool-catalogue.ts';
import { productionDdlScript } from '../storage/schema.ts';
import { startTestServer, type TestServer } from './support/embedded.ts';
import { tempDir } from '../tools/temp-dir.ts';

const tmp = tempDir('flightrec-catalogue-');
const file = join(tmp.path, 'tools.yaml');
let t: TestServer | undefined;
const saved = process.env.FLIGHTREC_TOOL_CATALOGUE;

afterAll(async () => {
  await t?.stop();
  if (saved === undefined) delete process.env.FLIGHTREC_TOOL_CATALOGUE;
  else process.env.FLIGHTREC_TOOL_CATALOGUE = saved;
  tmp.cleanup();
});

describe('a tool catalogue file', () => {
  it('is applied by flightrec up to foreign tool spans, before the built-in entries', async () => {
    writeFileSync(file, [
      'tools:',
      '  - { match: "deploy_*", effect: execute, risk: critical, reversible: false }',
      '  - { match: send_email, effect: send, risk: medium, reversible: false }   # overrides the default (high)',
    ].join('\n'));
    process.env.FLIGHTREC_TOOL_CATALOGUE = file;
    t = await startTestServer();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'catalogue-agent' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
    });
    const tracer = provider.getTracer('x');
    for (const name of ['deploy_prod', 'send_email', 'stripe_charge', 'frobnicate']) {
      tracer.startSpan(`execute_tool ${name}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name } }).end();
    }
    await provider.forceFlush();
    await provider.shutdown();
    const rs = await t.http.query({ query: "SELECT Tool, Effect, Risk, Reversible FROM flightrec_spans WHERE ServiceName = 'catalogue-agent' ORDER BY Tool", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([
      { Tool: 'deploy_prod', Effect: 'execute', Risk: 'critical', Reversible: 'false' },
      { Tool: 'frobnicate', Effect: '', Risk: '', Reversible: '' },
      { Tool: 'send_email', Effect: 'send', Risk: 'medium', Reversible: 'false' },
      { Tool: 'stripe_charge', Effect: 'payment', Risk: 'critical', Reversible: 'false' },
    ]);
  });

  it('is compiled into the DDL for a ClickHouse server behind the contrib collector', () => {
    process.env.FLIGHTREC_TOOL_CATALOGUE = file;
    expect(productionDdlScript()).toContain("'^deploy_'");
  });

  it('stops the start with one line when it is wrong', async () => {
    await t?.stop();
    t = undefined;
    writeFileSync(file, 'tools:\n  - { match: deploy, effect: launch, risk: critical }\n');
    process.env.FLIGHTREC_TOOL_CATALOGUE = file;
    await expect(startTestServer()).rejects.toThrow(`tool catalogue ${file}, tools[0]: effect must be one of read, write, send, delete, execute, payment, got "launch"`);
  });

  // The engine would refuse the statement the catalogue compiles into (max_query_size) with a syntax
  // error far from the file; the file's bounds say it in one line, and a file at them still starts.
  const entries = (n: number, width: number): string => ['tools:', ...Array.from({ length: n }, (_, i) => `  - { match: "${`t${i}_`.padEnd(width - 1, 'x')}*", effect: write, risk: high, reversible: false }`)].join('\n');

  it('stops the start with one line when it has too many entries or too long patterns', async () => {
    const { entries: max, patternCharacters } = CATALOGUE_FILE_LIMITS;
    writeFileSync(file, entries(max + 1, 8));
    await expect(startTestServer()).rejects.toThrow(`tool catalogue ${file}: ${max + 1} entries; at most ${max} (use patterns: one entry can cover many tools)`);
    writeFileSync(file, entries(max, 200));
    await expect(startTestServer()).rejects.toThrow(`tool catalogue ${file}: its patterns hold ${max * 200} characters; at most ${patternCharacters} in all`);
  });

  it('starts at its bounds, and the last entry still maps a span', async () => {
    const { entries: max, patternCharacters } = CATALOGUE_FILE_LIMITS;
    const width = Math.floor(patternCharacters / max);
    writeFileSync(file, entries(max, width));
    const last = `t${max - 1}_`.padEnd(width - 1, 'x') + 'tail';
    t = await startTestServer();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'catalogue-bounds' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${t.server.otlpUrl}/v1/traces` }) })],
    });
    provider.getTracer('peer').startSpan(`execute_tool ${last}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': last } }).end();
    await provider.forceFlush();
    await provider.shutdown();
    const rs = await t.http.query({ query: "SELECT Effect, Risk, Reversible FROM flightrec_spans WHERE ServiceName = 'catalogue-bounds'", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ Effect: 'write', Risk: 'high', Reversible: 'false' }]);
  });
});
