import { loadSavedQueries } from '../../review/saved-queries.ts';
import type { Command } from '../command.ts';

export const queries: Command = {
  name: 'queries',
  summary: 'list the saved queries with their descriptions and parameters',
  usage: 'flightrec queries',
  async run() {
    for (const q of loadSavedQueries()) {
      console.log(`${q.name}  [${q.panel}]`);
      console.log(`    ${q.description}`);
      for (const p of q.params) console.log(`    --param ${p.name}=<${p.type}>${p.default !== undefined ? ` (default ${p.default})` : ''}  ${p.description}`);
    }
    return 0;
  },
};
