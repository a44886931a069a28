import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadIncident } from '../../review/incident.ts';
import { renderIncidentHtml } from '../../review/render-html.ts';
import { renderIncidentText, terminalPaint } from '../../review/render-text.ts';
import { connectionOptions, withStore } from '../connect.ts';
import { UsageError, type Command } from '../command.ts';

export const incident: Command = {
  name: 'incident',
  summary: 'one session or trace as a saw/decided/touched tree with its findings and effects (--html for a shareable report)',
  usage: 'flightrec incident <session-or-trace-id> [--html FILE] [--url URL | --data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { html: { type: 'string' }, ...connectionOptions } });
    const subject = positionals[0];
    if (!subject) throw new UsageError('which session or trace? `flightrec incidents` or `flightrec query recent_sessions` lists them');
    if (positionals.length > 1) throw new UsageError(`one session or trace id at a time, got ${positionals.length}`);
    const report = await withStore(values, (client) => loadIncident(client, subject, { attributes: Boolean(values.html) }));
    process.stdout.write(renderIncidentText(report, terminalPaint()));
    if (values.html) {
      const file = resolve(values.html);
      writeFileSync(file, renderIncidentHtml(report));
      console.log(`\nHTML report written to ${file}`);
    }
    return 0;
  },
};
