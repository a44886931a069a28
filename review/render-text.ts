/**
 * The incident report as indented terminal text: the verdict first, then the findings (most
 * severe first), the saw/decided/touched tree and the external effects. Colour only when the
 * stream is a terminal (util.styleText checks that and NO_COLOR / FORCE_COLOR). Every value from a
 * span goes through visible(): span data must not drive the terminal.
 */
import { styleText } from 'node:util';
import { describeSpan, formatDuration, reversibilityOf, reversibilityText, type Kind } from './describe-span.ts';
import type { Finding } from './detections.ts';
import { findingsBySpan, timeMs, type IncidentReport, type TimelineNode } from './incident.ts';
import type { Row } from './run-query.ts';
import { humanTime, instantMs } from './time-format.ts';
import { buildVerdict, durationText, type IncidentVerdict } from './verdict.ts';
import { visible } from './visible-text.ts';

type Style = Parameters<typeof styleText>[0];
export type Paint = (style: Style, text: string) => string;

export const terminalPaint = (stream: NodeJS.WriteStream = process.stdout): Paint => (style, text) => styleText(style, text, { stream });
export const noPaint: Paint = (_style, text) => text;

const KIND_STYLE: Record<Kind, Style> = { saw: 'cyan', decided: 'yellow', touched: 'magenta', task: 'blue', agent: 'bold', other: 'gray' };
const SEVERITY_STYLE: Record<string, Style> = { critical: ['bold', 'red'], high: 'red', medium: 'yellow', low: 'gray', none: 'green' };
/** How many touched / policy / approval lines the verdict shows before "… N more". */
const VERDICT_LIST = 5;

export function formatFinding(f: Finding, paint: Paint = noPaint): string {
  return `${paint(SEVERITY_STYLE[f.severity] ?? 'yellow', f.severity.toUpperCase().padEnd(8))} ${visible(f.title).padEnd(25)} ${humanTime(f.timeMs)}  ${visible(f.sessionId)}\n${' '.repeat(9)}${visible(f.evidence)}`;
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
  const rev = reversibilityText(reversibilityOf(r.Reversible));
  return `${humanTime(instantMs(r.Timestamp))}  ${visible(`${r.Action} ${r.Effect} → ${r.TargetResource || r.TargetSystem} · ${r.Risk || '?'} risk · ${rev} · ${r.Outcome}${r.IdempotencyKey ? ` · key ${r.IdempotencyKey}` : ''}`)}`;
}

/** Lines under a verdict heading: the first few items, then how many more. */
function capped<T>(items: readonly T[], line: (item: T) => string, none: string, more: string): string[] {
  if (items.length === 0) return [none];
  const out = items.slice(0, VERDICT_LIST).map(line);
  if (items.length > VERDICT_LIST) out.push(`… ${items.length - VERDICT_LIST} more ${more}`);
  return out;
}

export function renderVerdict(v: IncidentVerdict, paint: Paint = noPaint): string[] {
  const sev = v.severity === 'none' ? 'NO FINDINGS' : v.severity.toUpperCase();
  const out = [paint('bold', 'Verdict  ') + paint(SEVERITY_STYLE[v.severity] ?? 'yellow', sev) + (v.worst ? paint('bold', ` — ${visible(v.worst.title)}`) : '')];
  out.push(`  ${visible(v.summary)}`);
  const field = (name: string, lines: string[]): void => {
    lines.forEach((l, i) => out.push(`  ${(i === 0 ? name : '').padEnd(9)}${l}`));
  };
  field('agent', [visible(v.agents.join(', ')) || 'not recorded']);
  field('when', [`${humanTime(v.startMs)}, for ${durationText(v)}`]);
  const revStyle = (r: string): Style => (r === 'irreversible' ? ['bold', 'red'] : r === 'unknown' ? 'yellow' : 'green');
  field('touched', capped(v.touched, (t) => `${paint(revStyle(t.reversibility), t.reversibility.toUpperCase().padEnd(12))} ${visible(`${t.action} ${t.effect} → ${t.target}`)} · ${visible(t.outcome || 'outcome not recorded')}  ${paint('gray', `[${visible(t.spanId)}]`)}`,
    'no external effect (no write, send, delete, execute or payment)', 'under External effects'));
  field('policy', capped(v.policy, (p) => visible(`${p.action}: ${p.verdict.toUpperCase() || '?'} · rule ${p.rule || 'not recorded'}${p.reason ? ` · reason: ${p.reason}` : ' · no reason recorded'}${p.attempted ? ` · ${p.attempted}` : ''}`) + paint('gray', `  [${visible(p.spanId)}]`),
    'no policy check recorded', 'in the timeline'));
  field('approval', capped(v.approvals, (a) => visible(`${a.action}: ${a.status.toUpperCase() || '?'} by ${a.approver}${a.reason ? ` · reason: ${a.reason}` : ''}`) + paint('gray', `  [${visible(a.spanId)}]`),
    'no approval recorded', 'in the timeline'));
  return out;
}

export function renderIncidentText(report: IncidentReport, paint: Paint = noPaint): string {
  const out: string[] = [];
  const sessions = visible(report.sessionIds.join(', '));
  out.push(paint('bold', `Session ${sessions}`) + `  ${visible(report.agents.join(', '))} · ${report.traceIds.length} trace${report.traceIds.length === 1 ? '' : 's'} · ${report.spans.length} spans · ${formatDuration(report.endMs - report.startMs)}`);
  out.push('');
  out.push(...renderVerdict(buildVerdict(report), paint));
  out.push('');
  out.push(paint('bold', `Findings (${report.findings.length})`) + (report.findings.length > 1 ? paint('gray', '  most severe first') : ''));
  if (report.findings.length === 0) out.push('  none: no detection fired on this session');
  for (const f of report.findings) out.push('  ' + formatFinding(f, paint).replace(/\n/g, '\n  '));
  out.push('');
  out.push(paint('bold', 'Timeline') + paint('gray', `  from ${humanTime(report.startMs)} (SAW = context in, DECIDED = model, policy, approval, TOUCHED = actions; [span id])`));
  out.push(...renderTree(report, paint));
  if (report.truncated) out.push(paint('yellow', `  … more spans than the timeline shows; use flightrec query session_timeline --param limit=…`));
  out.push('');
  out.push(paint('bold', `External effects (${report.effects.length})`));
  if (report.effects.length === 0) out.push('  none');
  for (const e of report.effects) out.push('  ' + effectLine(e));
  return out.join('\n') + '\n';
}
