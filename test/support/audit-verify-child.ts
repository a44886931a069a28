/**
 * Runs `verifyExport` in its own process and prints the outcome, time and peak memory as JSON.
 * usage: node audit-verify-child.ts EXPORT_DIR PUBLIC_KEY
 */
import { loadPublicKey } from '../../audit/keys.ts';
import { verifyExport } from '../../audit/verify-export.ts';
import { peakRssMB } from './peak-rss.ts';

const [dir, key] = process.argv.slice(2);
const started = performance.now();
const report = await verifyExport(dir!, { publicKey: loadPublicKey(key!) });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ ok: report.ok, records: report.records, problems: report.problems.length, seconds, maxRssMB: peakRssMB() }) + '\n');
