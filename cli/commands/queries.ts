import { parseArgs } from 'node:util';
import { isDashboardPlumbing, loadSavedQueries, type SavedQuery } from '../../catalogue/saved-queries.ts';
import type { Command } from '../command.ts';

function describe(q: SavedQuery): string[] {
  const tags = [q.panel, q.meta.detection === 'true' ? `detection, ${q.meta.severity ?? 'medium'}` : ''].filter(Boolean).join('; ');
  const out = [`${q.name}  [${tags}]`, `    ${q.description}`];
  for (const p of q.params) {
    if ((p.name === 'from' || p.name === 'to') && q.params.some((x) => x.name === (p.name === 'from' ? 'to' : 'from'))) {
      if (p.name === 'from') out.push('    --since 24h  (fills from/to; or --param from=… --param to=…, Unix seconds or YYYY-MM-DD hh:mm:ss)');
      continue;
    }
    out.push(`    --param ${p.name}=<${p.type}>${p.default !== undefined ? ` (default ${p.default})` : ''}  ${p.description}`);
  }
  return out;
}

export const queries: Command = {
  name: 'queries',
  summary: 'list the saved queries: incident questions and detections first, dashboard plumbing after',
  usage: 'flightrec queries [--all]   (--all describes the Grafana and pipeline-health queries too)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { all: { type: 'boolean' } } });
    const all = loadSavedQueries();
    const questions = all.filter((q) => !isDashboardPlumbing(q));
    const detections = questions.filter((q) => q.meta.detection === 'true');
    const asks = questions.filter((q) => q.meta.detection !== 'true');
    const plumbing = all.filter(isDashboardPlumbing);
    const out: string[] = [`Incident questions (${asks.length}):`, ''];
    for (const q of asks) out.push(...describe(q));
    out.push('', `Detections (${detections.length}; all at once: flightrec incidents):`, '');
    for (const q of detections) out.push(...describe(q));
    out.push('', `Dashboard plumbing (${plumbing.length}; Grafana panels and variables, pipeline health):`);
    if (values.all) {
      out.push('');
      for (const q of plumbing) out.push(...describe(q));
    } else out.push(`  ${plumbing.map((q) => q.name).join(', ')}`, '  (flightrec queries --all describes them)');
    console.log(out.join('\n'));
    return 0;
  },
};
