/**
 * The incident report as one self-contained HTML file (inline CSS, no scripts, no external
 * resources) that a person can open offline or attach to a ticket.
 */
import { describeSpan, formatDuration } from './describe-span.ts';
import { findingsBySpan, timeMs, type IncidentReport, type TimelineNode } from './incident.ts';

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d232b}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#5b6670}.mono,td.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;vertical-align:top;text-align:left;border-bottom:1px solid #f0f0f0}
th{background:#f6f7f9}.label{font-weight:600;font-size:11px;padding:1px 5px;border-radius:3px;color:#fff}
.saw{background:#1f7a8c}.decided{background:#b7791f}.touched{background:#9b2c7b}.task{background:#2b6cb0}.agent{background:#4a5568}.other{background:#a0aec0}
.alert{color:#c53030;font-weight:600}.hit{background:#fff5f5}.sev{font-weight:700;text-transform:uppercase}
.critical{color:#fff;background:#c53030;padding:1px 5px;border-radius:3px}.high{color:#c53030}.medium{color:#b7791f}.low{color:#718096}
details{margin:.2rem 0}summary{cursor:pointer;color:#5b6670}`;

function treeRows(report: IncidentReport): string[] {
  const marks = findingsBySpan(report.findings);
  const rows: string[] = [];
  const walk = (node: TimelineNode, depth: number): void => {
    const r = node.row;
    const line = describeSpan(r);
    const hits = marks.get(String(r.SpanId));
    rows.push(`<tr${hits ? ' class="hit"' : ''}><td class="mono">+${((timeMs(r) - report.startMs) / 1000).toFixed(3)}s</td>` +
      `<td style="padding-left:${8 + depth * 22}px">${line.label ? `<span class="label ${line.kind}">${escapeHtml(line.label)}</span> ` : ''}${escapeHtml(line.text)}` +
      `${line.alert ? ` <span class="alert">✗ ${escapeHtml(line.alert)}</span>` : ''}` +
      `${hits ? ` <span class="alert">◀ ${escapeHtml([...new Set(hits.map((h) => h.title))].join(', '))}</span>` : ''}</td>` +
      `<td class="mono">${escapeHtml(r.SpanId)}</td></tr>`);
    for (const c of node.children) walk(c, depth + 1);
  };
  for (const root of report.roots) walk(root, 0);
  return rows;
}

export function renderIncidentHtml(report: IncidentReport, generatedAt: Date = new Date()): string {
  const title = `flightrec incident: ${report.sessionIds.join(', ')}`;
  const findings = report.findings.length === 0
    ? '<p>No detection fired on this session.</p>'
    : `<table><tr><th>severity</th><th>detection</th><th>time</th><th>evidence</th><th>evidence spans</th></tr>${report.findings.map((f) =>
      `<tr><td class="sev"><span class="${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span></td><td>${escapeHtml(f.title)}</td><td class="mono">${escapeHtml(f.time)}</td><td>${escapeHtml(f.evidence)}</td><td class="mono">${f.evidenceSpanIds.map(escapeHtml).join('<br>')}</td></tr>`).join('')}</table>`;
  const effects = report.effects.length === 0
    ? '<p>None.</p>'
    : `<table><tr><th>time</th><th>action</th><th>effect</th><th>target</th><th>risk</th><th>reversible</th><th>idempotency key</th><th>outcome</th><th>span</th></tr>${report.effects.map((e) =>
      `<tr><td class="mono">${escapeHtml(String(e.Timestamp).slice(0, 23))}</td><td>${escapeHtml(e.Action)}</td><td>${escapeHtml(e.Effect)}</td><td>${escapeHtml(e.TargetResource || e.TargetSystem)}</td><td>${escapeHtml(e.Risk)}</td><td>${escapeHtml(e.Reversible)}</td><td class="mono">${escapeHtml(e.IdempotencyKey)}</td><td>${escapeHtml(e.Outcome)}</td><td class="mono">${escapeHtml(e.SpanId)}</td></tr>`).join('')}</table>`;
  const raw = report.attributes
    ? report.spans.map((r) => {
      const a = report.attributes!.get(String(r.SpanId));
      const shown = { span: a?.SpanAttributes ?? {}, resource: a?.ResourceAttributes ?? {}, events: a?.EventNames ?? [] };
      return `<details><summary class="mono">${escapeHtml(r.SpanId)} ${escapeHtml(r.SpanName)}</summary><pre class="mono">${escapeHtml(JSON.stringify(shown, null, 2))}</pre></details>`;
    }).join('')
    : '<p>Not loaded.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(report.agents.join(', '))} · ${report.traceIds.length} trace(s) · ${report.spans.length} spans · started ${escapeHtml(new Date(report.startMs).toISOString())} · lasted ${escapeHtml(formatDuration(report.endMs - report.startMs))}<br>
traces: <span class="mono">${report.traceIds.map(escapeHtml).join(', ')}</span><br>
generated by flightrec at ${escapeHtml(generatedAt.toISOString())}</p>
<h2>Findings (${report.findings.length})</h2>
${findings}
<h2>Timeline: what the agent saw, decided and touched</h2>
<table><tr><th>at</th><th>step</th><th>span</th></tr>${treeRows(report).join('\n')}</table>
${report.truncated ? '<p class="alert">The session has more spans than this report shows.</p>' : ''}
<h2>External effects (${report.effects.length})</h2>
${effects}
<h2>Span attributes</h2>
${raw}
</body></html>
`;
}
