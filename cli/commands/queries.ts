import { loadSavedQueries } from '../../review/saved-queries.ts';
import type { Command } from '../command.ts';

export const queries: Command = {
  name: 'queries',
  summary: 'list the saved queries with their descriptions and parameters',
  usage: 'flightrec queries',
  async run() {
    for (const q of loadSavedQueries()) {
      const tags = [q.panel, q.meta.detection === 'true' ? `detection, ${q.meta.severity ?? 'medium'}` : ''].filter(Boolean).join('; ');
      console.log(`${q.name}  [${tags}]`);
      console.log(`    ${q.description}`);
      for (const p of q.params) {
        if ((p.name === 'from' || p.name === 'to') && q.params.some((x) => x.name === (p.name === 'from' ? 'to' : 'from'))) {
          if (p.name === 'from') console.log('    --since 24h  (fills from/to; or --param from=… --param to=…, Unix seconds or YYYY-MM-DD hh:mm:ss)');
          continue;
        }
        console.log(`    --param ${p.name}=<${p.type}>${p.default !== undefined ? ` (default ${p.default})` : ''}  ${p.description}`);
      }
    }
    return 0;
  },
};
