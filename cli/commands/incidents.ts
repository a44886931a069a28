import { parseArgs } from 'node:util';
import { runDetections } from '../../review/detections.ts';
import { formatFinding, terminalPaint } from '../../review/render-text.ts';
import { rangeSince } from '../../review/time-range.ts';
import { visible } from '../../review/visible-text.ts';
import { connectionArgs, connectionOptions, shellWord, withStore } from '../connect.ts';
import { formatRows } from '../format-rows.ts';
import { outputFormat } from './query.ts';
import type { Command } from '../command.ts';

export const incidents: Command = {
  name: 'incidents',
  summary: 'run every detection over a recent time range and list what they found, most severe first',
  usage: 'flightrec incidents [--since 24h] [--format table|json|csv] [--url URL | --data-dir DIR]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { since: { type: 'string' }, format: { type: 'string' }, ...connectionOptions } });
    const since = values.since ?? '24h';
    const range = rangeSince(since);
    const format = values.format === undefined ? undefined : outputFormat(values.format);
    const findings = await withStore(values, (client) => runDetections(client, range));
    if (format) {
      const rows = findings.map((f) => ({ Time: f.time, Severity: f.severity, Detection: f.detection, SessionId: f.sessionId, TraceId: f.traceId, Agent: f.agent, Evidence: f.evidence, EvidenceSpanIds: f.evidenceSpanIds }));
      process.stdout.write(formatRows(rows, format, 100));
      return 0;
    }
    if (findings.length === 0) {
      console.log(`No detection fired in the last ${since}.`);
      return 0;
    }
    const paint = terminalPaint();
    console.log(`${findings.length} finding${findings.length === 1 ? '' : 's'} in the last ${since}, most severe first:\n`);
    for (const f of findings) console.log(formatFinding(f, paint) + '\n');
    const worst = findings[0]!;
    const conn = connectionArgs(values);
    console.log(`Worst: ${worst.severity.toUpperCase()} ${visible(worst.title)} in ${visible(worst.sessionId)}. Review it: flightrec incident ${visible(shellWord(worst.sessionId))}${conn ? ` ${visible(conn)}` : ''}`);
    return 0;
  },
};
