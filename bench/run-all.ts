/**
 * Runs every benchmark in turn, each in its own process (so one's heap and chdb store do not
 * weigh on the next), with its default sizes; `npm run bench -- ingest audit` runs those whose
 * name contains one of the words. Figures are printed by each script; this only sequences them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES: readonly { readonly name: string; readonly file: string; readonly what: string }[] = [
  { name: 'instrumentation-overhead', file: 'instrumentation-overhead.ts', what: 'wrapped tool call vs hand-written span (issue 3)' },
  { name: 'instrumentation-redaction-cost', file: 'instrumentation-redaction-cost.ts', what: 'redaction CPU per KB vs the redactor before the generated rule set (issue 15)' },
  { name: 'instrumentation-redaction-choice', file: 'instrumentation-redaction-choice.ts', what: 'own redactor vs libraries, where installed (issue 3)' },
  { name: 'instrumentation-otlp-encoding', file: 'instrumentation-otlp-encoding.ts', what: 'OTLP JSON vs protobuf serialisation CPU per span (issue 3)' },
  { name: 'ingest-throughput', file: 'ingest-throughput.ts', what: 'spans/s through the receiver vs direct insert; bytes per span (issue 4)' },
  { name: 'ingest-formats', file: 'ingest-formats.ts', what: 'the engine alone: spans/s by insert format, bare vs flightrec table (issue 4)' },
  { name: 'query-cancel', file: 'query-cancel.ts', what: 'client disconnect to the engine stopping a reader query; event-loop delay (issue 14)' },
  { name: 'ingest-under-reader-load', file: 'ingest-under-reader-load.ts', what: 'OTLP ack latency p50/p99 without and with heavy query-port readers (issue 14)' },
  { name: 'dialect-mapping', file: 'dialect-mapping.ts', what: 'the dialect mapping at insert, on vs off vs the bare table, stored columns and whole store; --mix peers for real instrumentations\' spans (issue 21)' },
  { name: 'review-queries', file: 'review-queries.ts', what: 'timeline and detections on 10M spans (issue 5)' },
  { name: 'grafana-dashboards', file: 'grafana-dashboards.ts', what: 'every dashboard query as Grafana sends it (issue 6)' },
  { name: 'audit-export', file: 'audit-export.ts', what: 'export and verify 1M records vs sha256sum (issue 7)' },
];

const words = process.argv.slice(2);
const chosen = words.length ? BENCHES.filter((b) => words.some((w) => b.name.includes(w))) : BENCHES;
if (chosen.length === 0) {
  console.error(`no benchmark matches ${words.join(' ')}; there are: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const b of chosen) {
  console.log(`\n=== ${b.name}: ${b.what}`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(b.file, import.meta.url))], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`=== ${b.name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
