/**
 * Writes the generated redaction blocks into collector-config/otel-collector.yaml (between the
 * BEGIN/END markers) from instrumentation/redaction/rules. Run after changing the rules:
 *
 *   npm run redaction:generate
 *
 * (The rules themselves come from scripts/redaction-rules, a Go program: `cd scripts/redaction-rules && go run . ../..`.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { collectorBlocks, withCollectorBlocks } from '../instrumentation/redaction/collector-blocks.ts';
import { GITLEAKS_VERSION, RULES } from '../instrumentation/redaction/rules/rules.generated.ts';

const path = new URL('../collector-config/otel-collector.yaml', import.meta.url);
writeFileSync(path, withCollectorBlocks(readFileSync(path, 'utf8'), collectorBlocks(RULES, GITLEAKS_VERSION)));
console.log('collector-config/otel-collector.yaml: redaction blocks written');
