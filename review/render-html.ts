/**
 * The incident report as one self-contained HTML file that a person can open offline, print or
 * attach to a ticket: the verdict first, the findings, the timeline, the effects, then every span's
 * attributes. No script and no external resource, and a Content-Security-Policy that allows
 * neither, so hostile span text cannot run or fetch anything even if escaping failed.
 *
 * It scales with the session: resource attributes are written once per distinct set, evidence lists
 * are capped with a count, and span ids link findings, timeline rows and attributes in the page.
 */
import { createHash } from 'node:crypto';
import { describeSpan, formatDuration, reversibilityOf, reversibilityText } from './describe-span.ts';
import type { Finding } from './detections.ts';
import { findingsBySpan, timeMs, type IncidentReport, type TimelineNode } from './incident.ts';
import type { Row } from './run-query.ts';
import { humanClock, humanTime, instantMs } from './time-format.ts';
import { buildVerdict, durationText, type IncidentVerdict } from './verdict.ts';
import { safeJson, visible } from './visible-text.ts';

const escapeMarkup = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Span text as HTML (text or quoted attribute value): markup escaped, and controls, bidi overrides and invisible characters shown. */
export function escapeHtml(text: unknown): string {
  return escapeMarkup(visible(text));
}

/** Span text for a text node only (quotes need no escaping there, and a large report has many). */
function escapeText(text: unknown): string {
  return visible(text).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** How many evidence span links a finding shows before "+ N more". */
export const EVIDENCE_LINKS = 8;
/** Deepest indentation class; deeper spans are indented as this. */
const MAX_DEPTH = 16;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.2rem auto;max-width:1200px;padding:0 1rem;color:#1d232b}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.6rem 0 .4rem;border-bottom:1px solid #ddd}h3{font-size:1rem;margin:1rem 0 .3rem}
.meta{color:#5b6670;margin:0}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
a{color:#2b5797}td a[href^='#s'],td a[href^='#a']{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}nav{margin:.6rem 0;color:#5b6670}nav a{margin-right:1rem}
table{border-collapse:collapse;width:100%}td,th{padding:2px 8px;vertical-align:top;text-align:left;border-bottom:1px solid #f0f0f0}
th{background:#f6f7f9}.saw{background:#1f7a8c}.decided{background:#b7791f}.touched{background:#9b2c7b}.task{background:#2b6cb0}.agent{background:#4a5568}.other{background:#a0aec0}
.alert{color:#c53030;font-weight:600}.hit{background:#fff5f5}.sev{font-weight:700;text-transform:uppercase}
.critical{color:#fff;background:#c53030;padding:1px 5px;border-radius:3px}.high{color:#c53030}.medium{color:#b7791f}.low{color:#718096}.none{color:#2f855a}
.verdict{border:2px solid #c53030;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0;background:#fffafa}.verdict.v-none{border-color:#2f855a;background:#f7fffa}
.verdict.v-medium,.verdict.v-low{border-color:#b7791f;background:#fffdf5}
.verdict h2{margin:0 0 .3rem;border:0}.verdict p{margin:.2rem 0 .5rem;font-size:15px}
.verdict dl{display:grid;grid-template-columns:7rem 1fr;gap:.15rem .8rem;margin:0}.verdict dt{font-weight:600;color:#5b6670}.verdict dd{margin:0}
.verdict ul{margin:0;padding:0;list-style:none}.irreversible{color:#c53030;font-weight:700}.unknown{color:#b7791f;font-weight:700}.reversible{color:#2f855a;font-weight:700}
${Array.from({ length: MAX_DEPTH + 1 }, (_, d) => `.d${d}{padding-left:${8 + d * 18}px}`).join('')}
pre{margin:.2rem 0 .6rem 1rem;white-space:pre-wrap;word-break:break-all}
#tl td:first-child,#tl td:last-child,table.attrs td,.same{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
#tl b{font-weight:600;font-size:11px;padding:1px 5px;border-radius:3px;color:#fff}#tl i,#tl a[href^='#f']{font-style:normal;color:#c53030;font-weight:600}
table.attrs td{word-break:break-all}.same{color:#3c4650;margin:.2rem 0 .4rem}.k{color:#5b6670}
@media print{body{max-width:none;margin:0;font-size:11px}nav{display:none}a{color:inherit;text-decoration:none}
tr{break-inside:avoid}thead{display:table-header-group}h2{break-after:avoid}.verdict{break-inside:avoid;background:none}
#tl b,.critical{color:#000;background:none;border:1px solid #000}.hit{background:none;outline:1px solid #c53030}}`;

/** The report's only resource policy: nothing may load or run; the one inline style sheet is allowed by its hash. */
const CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'; img-src 'none'; form-action 'none'; base-uri 'none'`;

/**
 * In-page anchors: `s<n>` a span's timeline row, `a<n>` its attributes (n = its place in the
 * timeline query's order), `f<n>` a finding. Short on purpose: a large report has four per span.
 * A link shows the span id; an id not in the report is shown as text.
 */
class Anchors {
  readonly #index: Map<string, number>;
  readonly withAttributes: boolean;
  constructor(spans: readonly Row[], withAttributes: boolean) {
    this.#index = new Map(spans.map((r, i) => [String(r.SpanId), i]));
    this.withAttributes = withAttributes;
  }
  id(kind: 's' | 'a', spanId: unknown): string {
    return `${kind}${this.#index.get(String(spanId))}`;
  }
  /** The span id, linked to its timeline row (`s`) or its attributes (`a`). */
  link(spanId: unknown, kind: 's' | 'a' = 's'): string {
    if (!this.#index.has(String(spanId)) || (kind === 'a' && !this.withAttributes)) return `<span class=mono>${escapeText(spanId)}</span>`;
    return `<a href=#${this.id(kind, spanId)}>${escapeText(spanId)}</a>`;
  }
}

function evidenceLinks(f: Finding, anchors: Anchors): string {
  const ids = [...new Set(f.evidenceSpanIds)];
  const shown = ids.slice(0, EVIDENCE_LINKS).map((id) => anchors.link(id));
  const more = ids.length - EVIDENCE_LINKS;
  return shown.join(' ') + (more > 0 ? ` <span class="meta">+ ${more} more (marked ◀ in the timeline)</span>` : '');
}

function findingsTable(findings: readonly Finding[], anchors: Anchors): string {
  if (findings.length === 0) return '<p>No detection fired on this session.</p>';
  return `<table><thead><tr><th>severity</th><th>detection</th><th>time (UTC)</th><th>evidence</th><th>evidence spans</th></tr></thead><tbody>${findings.map((f, i) =>
    `<tr id=f${i}><td class="sev"><span class="${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span></td><td>${escapeHtml(f.title)}</td><td class="mono">${escapeHtml(humanTime(f.timeMs))}</td><td>${escapeHtml(f.evidence)}</td><td>${evidenceLinks(f, anchors)}</td></tr>`).join('')}</tbody></table>`;
}

function verdictBlock(v: IncidentVerdict, anchors: Anchors): string {
  const link = (id: string): string => anchors.link(id);
  const list = (items: string[], none: string, more: number): string =>
    items.length === 0 ? escapeHtml(none) : `<ul>${items.map((i) => `<li>${i}</li>`).join('')}${more > 0 ? `<li class="meta">+ ${more} more</li>` : ''}</ul>`;
  const cap = 10;
  const touched = v.touched.slice(0, cap).map((t) => `<span class="${t.reversibility}">${escapeHtml(t.reversibility)}</span> ${escapeHtml(`${t.action} ${t.effect} → ${t.target} · ${t.outcome || 'outcome not recorded'}`)} ${link(t.spanId)}`);
  const policy = v.policy.slice(0, cap).map((p) => `${escapeHtml(`${p.action}: ${p.verdict.toUpperCase() || '?'} · rule ${p.rule || 'not recorded'}`)}${p.reason ? ` · reason: ${escapeHtml(p.reason)}` : ' · no reason recorded'}${p.attempted ? ` · ${escapeHtml(p.attempted)}` : ''} ${link(p.spanId)}`);
  const approvals = v.approvals.slice(0, cap).map((a) => `${escapeHtml(`${a.action}: ${a.status.toUpperCase() || '?'} by ${a.approver}`)}${a.reason ? ` · reason: ${escapeHtml(a.reason)}` : ''} ${link(a.spanId)}`);
  const sev = v.severity === 'none' ? 'no findings' : v.severity;
  return `<section id="verdict" class="verdict v-${v.severity}"><h2>Verdict: <span class="sev ${v.severity}">${escapeHtml(sev)}</span>${v.worst ? ` — ${escapeHtml(v.worst.title)}` : ''}</h2>
<p>${escapeHtml(v.summary)}</p>
<dl><dt>Agent</dt><dd>${escapeHtml(v.agents.join(', ') || 'not recorded')}</dd>
<dt>When</dt><dd>${escapeHtml(`${humanTime(v.startMs)}, for ${durationText(v)}`)}</dd>
<dt>Touched</dt><dd>${list(touched, 'no external effect (no write, send, delete, execute or payment)', v.touched.length - cap)}</dd>
<dt>Policy</dt><dd>${list(policy, 'no policy check recorded', v.policy.length - cap)}</dd>
<dt>Approval</dt><dd>${list(approvals, 'no approval recorded', v.approvals.length - cap)}</dd></dl></section>`;
}

function timelineRows(report: IncidentReport, anchors: Anchors, findingIndex: ReadonlyMap<Finding, number>, clock: (ms: number) => string): string[] {
  const marks = findingsBySpan(report.findings);
  const rows: string[] = [];
  // Compact markup (end tags omitted where HTML allows, classes unquoted): a row per span adds up.
  const walk = (node: TimelineNode, depth: number): void => {
    const r = node.row;
    const line = describeSpan(r);
    const id = r.SpanId;
    const hits = marks.get(String(id));
    const hitLinks = hits ? [...new Map(hits.map((h) => [h.title, h])).values()].map((h) => `<a href=#f${findingIndex.get(h)}>◀ ${escapeText(h.title)}</a>`).join(' ') : '';
    rows.push(`<tr id=${anchors.id('s', id)}${hits ? ' class=hit' : ''}><td>${escapeText(clock(timeMs(r)))}` +
      `<td class=d${Math.min(depth, MAX_DEPTH)}>${line.label ? `<b class=${line.kind}>${escapeText(line.label)}</b> ` : ''}${escapeText(line.text)}` +
      `${line.alert ? ` <i>✗ ${escapeText(line.alert)}</i>` : ''}${hitLinks ? ` ${hitLinks}` : ''}` +
      `<td>${anchors.link(id, 'a')}`);
    for (const c of node.children) walk(c, depth + 1);
  };
  for (const root of report.roots) walk(root, 0);
  return rows;
}

function effectsTable(effects: readonly Row[], anchors: Anchors): string {
  if (effects.length === 0) return '<p>None.</p>';
  return `<table><thead><tr><th>time (UTC)</th><th>action</th><th>effect</th><th>target</th><th>risk</th><th>reversibility</th><th>idempotency key</th><th>outcome</th><th>span</th></tr></thead><tbody>${effects.map((e) => {
    const rev = reversibilityOf(e.Reversible);
    return `<tr><td class="mono">${escapeHtml(humanTime(instantMs(e.Timestamp)))}</td><td>${escapeHtml(e.Action)}</td><td>${escapeHtml(e.Effect)}</td><td>${escapeHtml(e.TargetResource || e.TargetSystem)}</td><td>${escapeHtml(e.Risk)}</td><td class="${rev}">${escapeHtml(reversibilityText(rev))}</td><td class="mono">${escapeHtml(e.IdempotencyKey)}</td><td>${escapeHtml(e.Outcome)}</td><td>${anchors.link(e.SpanId)}</td></tr>`;
  }).join('')}</tbody></table>`;
}

/** An attribute value as text: strings as they are, anything else as JSON. */
const valueText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');

/**
 * A SHA-256 shown by its first 16 hex digits (64 bits: enough to compare by eye); the full value
 * is in `flightrec query span_attributes` and the audit export. Full hashes were an eighth of a
 * large report.
 */
const shortHash = (key: string, v: string): string => (/sha256$/.test(key) && /^[0-9a-f]{64}$/.test(v) ? `${v.slice(0, 16)}…` : v);

/**
 * Every span's own attributes, laid out by shape: spans with the same attribute keys (all the
 * calls of one tool, all the pages read) form one table, whose values that are the same on every
 * row are written once above it. Each distinct set of resource attributes is written once. Writing
 * every span's full attribute map was most of a large report (2.4 MB for 1,000 spans); nothing is
 * left out, and `flightrec query span_attributes` gives the same as JSON.
 */
function attributesSection(report: IncidentReport, anchors: Anchors): string {
  const attrs = report.attributes;
  if (!attrs) return '<p>Not loaded (written with --html).</p>';
  const resources = new Map<string, number>();
  interface Item { readonly row: Row; readonly values: Map<string, string> }
  const groups = new Map<string, Item[]>();
  for (const r of report.spans) {
    const a = attrs.get(String(r.SpanId));
    const resKey = JSON.stringify(a?.ResourceAttributes ?? {});
    if (!resources.has(resKey)) resources.set(resKey, resources.size + 1);
    const values = new Map<string, string>([['span name', String(r.SpanName ?? '')]]);
    for (const [k, v] of Object.entries((a?.SpanAttributes ?? {}) as Record<string, unknown>)) values.set(k, valueText(v));
    if (Array.isArray(a?.EventNames) && a.EventNames.length > 0) values.set('events', a.EventNames.join(', '));
    values.set('resource', String(resources.get(resKey)));
    const shape = [...values.keys()].filter((k) => k !== 'span name').sort().join('\n');
    const group = groups.get(shape);
    if (group) group.push({ row: r, values });
    else groups.set(shape, [{ row: r, values }]);
  }
  const resourceBlocks = [...resources.entries()].map(([json, n]) => `<h3 id=r-${n}>Resource ${n}</h3><pre class=mono>${escapeText(safeJson(JSON.stringify(JSON.parse(json), null, 1)))}</pre>`);
  const tables = [...groups.values()].sort((a, b) => b.length - a.length).map((items, g) => {
    const keys = [...items[0]!.values.keys()];
    const same = keys.filter((k) => items.every((it) => it.values.get(k) === items[0]!.values.get(k)));
    const varying = keys.filter((k) => !same.includes(k));
    const names = [...new Set(items.map((it) => String(it.row.SpanName ?? '')))];
    const title = `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more names` : ''} (${items.length} span${items.length === 1 ? '' : 's'})`;
    const show = (k: string, v: string): string => (k === 'resource' ? `<a href=#r-${escapeText(v)}>${escapeText(v)}</a>` : escapeText(shortHash(k, v)));
    const constants = same.map((k) => `<span class=k>${escapeText(k)}</span> ${show(k, items[0]!.values.get(k)!)}`).join('<br>');
    const head = `<tr><th>span${varying.map((k) => `<th>${escapeText(k)}`).join('')}`;
    const body = items.map((it) => `<tr id=${anchors.id('a', it.row.SpanId)}><td>${anchors.link(it.row.SpanId)}${varying.map((k) => `<td>${it.values.has(k) ? show(k, it.values.get(k)!) : ''}`).join('')}`).join('\n');
    return `<h3 id=g-${g + 1}>${escapeText(title)}</h3><p class=same>${constants}</p><table class=attrs><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
  });
  return `<p class=meta>Spans with the same attribute keys share a table; a value that is the same on every span of a table is written once above it; SHA-256 values show their first 16 hex digits (all of them: <span class=mono>flightrec query span_attributes</span>). Each span id links back to its timeline row.</p>\n${resourceBlocks.join('\n')}\n${tables.join('\n')}`;
}

export function renderIncidentHtml(report: IncidentReport, generatedAt: Date = new Date()): string {
  const title = `flightrec incident: ${report.sessionIds.join(', ')}`;
  const anchors = new Anchors(report.spans, Boolean(report.attributes));
  const findingIndex = new Map(report.findings.map((f, i) => [f, i]));
  const oneDay = new Date(report.startMs).toISOString().slice(0, 10) === new Date(report.endMs).toISOString().slice(0, 10);
  const clock = oneDay ? humanClock : (ms: number): string => humanTime(ms).replace(' UTC', '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(report.agents.join(', '))} · ${report.traceIds.length} trace(s) · ${report.spans.length} spans · started ${escapeHtml(humanTime(report.startMs))} · lasted ${escapeHtml(formatDuration(report.endMs - report.startMs))} · generated by flightrec at ${escapeHtml(humanTime(generatedAt.getTime()))}</p>
${verdictBlock(buildVerdict(report), anchors)}
<nav><a href="#findings">Findings (${report.findings.length})</a><a href="#timeline">Timeline (${report.spans.length})</a><a href="#effects">External effects (${report.effects.length})</a><a href="#attributes">Span attributes</a></nav>
<section id="findings"><h2>Findings (${report.findings.length})${report.findings.length > 1 ? ', most severe first' : ''}</h2>
${findingsTable(report.findings, anchors)}</section>
<section id="timeline"><h2>Timeline: what the agent saw, decided and touched</h2>
<p class="meta">Times in UTC${oneDay ? ` on ${escapeHtml(new Date(report.startMs).toISOString().slice(0, 10))}` : ''}. Traces: <span class="mono">${report.traceIds.map(escapeHtml).join(', ')}</span></p>
<table id=tl><thead><tr><th>time</th><th>step</th><th>span</th></tr></thead><tbody>
${timelineRows(report, anchors, findingIndex, clock).join('\n')}
</tbody></table>
${report.truncated ? '<p class="alert">The session has more spans than this report shows.</p>' : ''}</section>
<section id="effects"><h2>External effects (${report.effects.length})</h2>
${effectsTable(report.effects, anchors)}</section>
<section id="attributes"><h2>Span attributes</h2>
${attributesSection(report, anchors)}</section>
</body></html>
`;
}
