/**
 * The incident report as indented terminal text: findings first, then the saw/decided/touched
 * tree, then the external effects. Colour only when the stream is a terminal (util.styleText
 * checks that and NO_COLOR / FORCE_COLOR).
 */
import { styleText } from 'node:util';
import { describeSpan, formatDuration, type Kind } from './describe-span.ts';
import type { Finding } from './detections.ts';
import { findingsBySpan, timeMs, type IncidentReport, type TimelineNode } from './incident.ts';
import type { Row } from './run-query.ts';
import { visible } from './visible-text.ts';

type Style = Parameters<typeof styleText>[0];
export type Paint = (style: Style, text: string) => string;

export const terminalPaint = (stream: NodeJS.WriteStream = process.stdout): Paint => (style, text) => styleText(style, text, { stream });
export const noPaint: Paint = (_style, text) => text;

const KIND_STYLE: Record<Kind, Style> = { saw: 'cyan', decided: 'yellow', touched: 'magenta', task: 'blue', agent: 'bold', other: 'gray' };
const SEVERITY_STYLE: Record<string, Style> = { critical: ['bold', 'red'], high: 'red', medium: 'yellow', low: 'gray' };

export function formatFinding(f: Finding, paint: Paint = noPaint): string {
  return `${paint(SEVERITY_STYLE[f.severity] ?? 'yellow', f.severity.toUpperCase().padEnd(8))} ${visible(f.title).padEnd(25)} ${visible(f.time)}  ${visible(f.sessionId)}\n${' '.repeat(9)}${visible(f.evidence)}`;
}

function offset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`.padStart(10);
}

export function renderTree(report: IncidentReport, paint: Paint = noPaint): string[] {
  const marks = findingsBySpan(report.findings);
  const lines: string[] = [];
  const walk = (node: TimelineNode, depth: number): void => {
    const row = node.row;
    const line = describeSpan(row);
    const spanId = String(row.SpanId);
    const hits = marks.get(spanId);
    const label = line.label ? paint(KIND_STYLE[line.kind], line.label.padEnd(7)) + ' ' : '';
    let text = `${paint('gray', offset(timeMs(row) - report.startMs))}  ${'  '.repeat(depth)}${label}${visible(line.text)}`;
    if (line.alert) text += '  ' + paint('red', `✗ ${visible(line.alert)}`);
    if (line.kind === 'touched' || line.kind === 'decided') text += paint('gray', `  [${visible(spanId)}]`);
    if (hits) text += '  ' + paint(['bold', 'red'], `◀ ${visible([...new Set(hits.map((h) => h.title))].join(', '))}`);
    lines.push(text);
    for (const child of node.children) walk(child, depth + 1);
  };
  for (const root of report.roots) walk(root, 0);
  return lines;
}

function effectLine(r: Row): string {
  const rev = r.Reversible === 'no' ? 'irreversible' : r.Reversible === 'yes' ? 'reversible' : 'reversibility unknown';
  return visible(`${String(r.Timestamp).slice(0, 23)}  ${r.Action} ${r.Effect} → ${r.TargetResource || r.TargetSystem} · ${r.Risk || '?'} risk · ${rev} · ${r.Outcome}${r.IdempotencyKey ? ` · key ${r.IdempotencyKey}` : ''}`);
}

export function renderIncidentText(report: IncidentReport, paint: Paint = noPaint): string {
  const out: string[] = [];
  const sessions = visible(report.sessionIds.join(', '));
  out.push(paint('bold', `Session ${sessions}`) + `  ${visible(report.agents.join(', '))} · ${report.traceIds.length} trace${report.traceIds.length === 1 ? '' : 's'} · ${report.spans.length} spans · ${formatDuration(report.endMs - report.startMs)}`);
  out.push(`started ${new Date(report.startMs).toISOString()}`);
  out.push('');
  out.push(paint('bold', `Findings (${report.findings.length})`));
  if (report.findings.length === 0) out.push('  none: no detection fired on this session');
  for (const f of report.findings) out.push('  ' + formatFinding(f, paint).replace(/\n/g, '\n  '));
  out.push('');
  out.push(paint('bold', 'Timeline') + paint('gray', '  (SAW = context in, DECIDED = model, policy, approval, TOUCHED = actions; [span id])'));
  out.push(...renderTree(report, paint));
  if (report.truncated) out.push(paint('yellow', `  … more spans than the timeline shows; use flightrec query session_timeline --param limit=…`));
  out.push('');
  out.push(paint('bold', `External effects (${report.effects.length})`));
  if (report.effects.length === 0) out.push('  none');
  for (const e of report.effects) out.push('  ' + effectLine(e));
  return out.join('\n') + '\n';
}
