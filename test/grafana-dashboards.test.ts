/**
 * The generated Grafana files without a database: committed JSON equals a fresh generation, each
 * dashboard is well-formed for the schema version it declares, every link and variable reference
 * resolves, every saved query with a panel header is on a dashboard, and the provisioning YAML
 * parses and points at files that exist.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { defaultDashboard, type Dashboard, type Panel, type RowPanel, type VariableModel } from '@grafana/schema';
import { DATASOURCE_TYPE, DATASOURCE_UID } from '../grafana/datasource.ts';
import { Format } from '../grafana/dashboard-builder.ts';
import { ALERT_RULES_FILE, differences, generate } from '../grafana/generate.ts';
import { GrafanaMounts, GrafanaPaths, REPO_ROOT, repoPathFor } from '../grafana/paths.ts';
import { loadCatalogue, placeQuery } from '../grafana/query-catalogue.ts';
import { traceIdSql } from '../grafana/trace-panel.ts';
import { alertSql, panelSql } from '../grafana/translate-query.ts';
import { parseSavedQuery, type SavedQuery } from '../catalogue/saved-queries.ts';

const generated = generate();
const dashboards = new Map(
  [...generated.files].filter(([rel]) => rel.endsWith('.json')).map(([rel, text]) => [rel, JSON.parse(text) as Dashboard]),
);
const byUid = new Map([...dashboards.values()].map((d) => [d.uid!, d]));

function allPanels(d: Dashboard): (Panel | RowPanel)[] {
  return (d.panels ?? []).flatMap((p) => (p.type === 'row' ? [p, ...((p as RowPanel).panels ?? [])] : [p]));
}
const leaf = (d: Dashboard): Panel[] => allPanels(d).filter((p): p is Panel => p.type !== 'row');
const rawSqlOf = (t: unknown): string => (t as { rawSql: string }).rawSql;
/** The query's SQL as translated for dashboard d, or '' when d lacks a variable it needs. */
function tryPanelSql(q: SavedQuery, d: Dashboard): string {
  try {
    return panelSql(q, new Set((d.templating?.list ?? []).map((v) => v.name)));
  } catch {
    return '';
  }
}

describe('generated files', () => {
  it('the committed dashboards and alert rules are exactly what `npm run grafana:generate` writes', () => {
    expect(differences(generated), 'run `npm run grafana:generate` and commit').toEqual([]);
  });

  it('every saved query with a panel header is on a dashboard, and each dashboard query is a saved query', () => {
    const cat = loadCatalogue();
    // The span tree is the plugin's own trace-ID query (grafana/trace-panel.ts), not a saved query.
    const targets = [...dashboards.values()].flatMap((d) => leaf(d).flatMap((p) => p.targets ?? []));
    const builder = targets.filter((t) => (t as { editorType?: string }).editorType === 'builder');
    expect(builder.map(rawSqlOf)).toEqual([traceIdSql("decodeURLComponent('${trace:percentencode}')")]);
    const sqls = targets.filter((t) => !builder.includes(t)).map(rawSqlOf);
    const placed = cat.all.filter((q) => placeQuery(q) !== null);
    expect(placed.length).toBeGreaterThan(0);
    for (const q of placed) {
      const d = [...dashboards.values()].find((x) => sqls.includes(tryPanelSql(q, x)));
      expect(d, `${q.name} is on no dashboard`).toBeDefined();
    }
    for (const sql of sqls) {
      // A panel's SQL is a saved query's (translated), or the detection summary wrapping one.
      const wrapper = /^SELECT '[^']*' AS Detection[^\n]*\nFROM \(\n([\s\S]*)\n\)$/.exec(sql);
      const body = wrapper ? wrapper[1]! : sql;
      const q = placed.find((x) => [...dashboards.values()].some((d) => tryPanelSql(x, d) === body));
      expect(q, `dashboard SQL not from queries/: ${sql.slice(0, 80)}`).toBeDefined();
    }
  });
});

describe.each([...dashboards.entries()])('%s', (_file, d) => {
  it(`declares schemaVersion ${defaultDashboard.schemaVersion} (Grafana's current, per @grafana/schema) with the required top-level fields`, () => {
    expect(d.schemaVersion).toBe(defaultDashboard.schemaVersion);
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(d.title).toBeTruthy();
    expect((d as { id?: unknown }).id, 'provisioned dashboards carry no numeric id').toBeUndefined();
    expect(d.time).toEqual({ from: expect.any(String), to: expect.any(String) });
    expect(Array.isArray(d.panels)).toBe(true);
    expect(Array.isArray(d.templating?.list)).toBe(true);
    expect(d.tags).toContain('flightrec');
  });

  it('panels have unique ids, fit the 24-column grid without overlapping, and query the flightrec datasource', () => {
    const panels = allPanels(d);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos!;
      expect(g.x).toBeGreaterThanOrEqual(0);
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
      expect(g.h).toBeGreaterThan(0);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
    for (const p of leaf(d)) {
      expect(p.title).toBeTruthy();
      expect(p.datasource).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
      expect(p.targets?.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      const expectedFormat = p.type === 'timeseries' ? Format.timeseries : p.type === 'traces' ? Format.traces : p.type === 'logs' ? Format.logs : Format.table;
      for (const t of p.targets!) {
        expect(t).toMatchObject({ datasource: { type: DATASOURCE_TYPE, uid: DATASOURCE_UID }, editorType: p.type === 'traces' ? 'builder' : 'sql', format: expectedFormat });
        const sql = rawSqlOf(t);
        expect(sql, 'no ClickHouse {param:Type} placeholder may reach Grafana').not.toMatch(/(?<!\$)\{\w+:[^}]+\}/);
      }
    }
  });

  it('every ${variable} a query uses is a variable of this dashboard, defined before any variable that uses it', () => {
    const vars = (d.templating?.list ?? []) as VariableModel[];
    const names = vars.map((v) => v.name);
    const refs = (sql: string): string[] => [...sql.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)/g)].map((m) => m[1] ?? m[2]!);
    for (const p of leaf(d)) for (const t of p.targets ?? []) for (const r of refs(rawSqlOf(t))) expect(names, `${p.title} uses $${r}`).toContain(r);
    vars.forEach((v, i) => {
      expect(v.type).toBe('query');
      expect(v.datasource).toEqual({ type: DATASOURCE_TYPE, uid: DATASOURCE_UID });
      for (const r of refs((v.query as { rawSql: string }).rawSql)) expect(names.slice(0, i), `$${v.name} depends on $${r}`).toContain(r);
      if (v.includeAll) expect(v.allValue).toBe('*');
    });
  });

  it('every drill-down link names a dashboard uid and variables that exist', () => {
    for (const p of leaf(d)) {
      for (const o of p.fieldConfig?.overrides ?? []) {
        for (const prop of o.properties.filter((x) => x.id === 'links')) {
          for (const link of prop.value as { url: string; title: string }[]) {
            const m = /^\/d\/([^/?]+)(?:\/[^?]*)?\?(.*)$/.exec(link.url);
            expect(m, link.url).not.toBeNull();
            const target = byUid.get(m![1]!);
            expect(target, `no dashboard with uid ${m![1]}`).toBeDefined();
            const targetVars = (target!.templating?.list ?? []).map((v) => v.name);
            for (const part of m![2]!.split('&')) {
              if (part === '${__url_time_range}') continue;
              const kv = /^var-(\w+)=\$\{__data\.fields\.(\w+)\}$/.exec(part);
              expect(kv, `unexpected link parameter ${part}`).not.toBeNull();
              expect(targetVars, `${link.url}`).toContain(kv![1]);
            }
          }
        }
      }
    }
  });
});

describe('README', () => {
  it('names every panel of every generated dashboard in its Grafana section', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Grafana dashboards'));
    expect(section.length).toBeGreaterThan(100);
    for (const d of dashboards.values()) {
      for (const p of leaf(d)) expect(section, `README lacks panel ${p.title}`).toContain(p.title!.replace(/ \((critical|high|medium|low)\)$/, ''));
    }
  });
});

describe('variables', () => {
  it('one query may give the options of several variables: session (Incident review) and conversation (Agent overview) share theirs', () => {
    const cat = loadCatalogue();
    expect(cat.variables.get('session')).toBeDefined();
    expect(cat.variables.get('conversation')).toBe(cat.variables.get('session'));
  });
});

describe('Detections', () => {
  it('every detection query is a panel, linked to Incident review by SessionId (never on TraceId, which the plugin rewrites)', () => {
    const d = dashboards.get(`${GrafanaPaths.dashboards}/detections.json`)!;
    const cat = loadCatalogue();
    const panels = leaf(d);
    for (const q of cat.detections) {
      const p = panels.find((x) => (x.targets ?? []).length === 1 && rawSqlOf(x.targets![0]) === panelSql(q, new Set()));
      expect(p, q.name).toBeDefined();
      const linked = (p!.fieldConfig?.overrides ?? []).filter((o) => o.properties.some((x) => x.id === 'links')).map((o) => o.matcher.options);
      expect(linked).toEqual(['SessionId']);
    }
    for (const p of panels) {
      for (const o of p.fieldConfig?.overrides ?? []) expect(String(o.matcher.options).toLowerCase()).not.toMatch(/^trace_?id$/);
    }
  });
});

describe('parameter translation', () => {
  const q = parseSavedQuery(
    [
      '-- name: t',
      '-- description: d',
      '-- param: from DateTime64(3) — a',
      '-- param: to DateTime64(3) — b',
      '-- param: interval_seconds UInt32 = 60 — c',
      '-- param: session String — e',
      "-- param: limit UInt32 = 10 — f",
      "-- param: who String = it's — g",
      '-- panel: table',
      "SELECT {session:String}, {limit:UInt32}, {who:String}, toStartOfInterval(x, toIntervalSecond({interval_seconds:UInt32})) FROM t WHERE a >= {from:DateTime64(3)} AND a <= {to:DateTime64(3)}",
    ].join('\n'),
    '/q/t.sql',
  );

  it('maps the time range to the plugin macros, variables to percent-decoded values and defaults to typed constants', () => {
    expect(panelSql(q, new Set(['session']))).toBe(
      "SELECT decodeURLComponent('${session:percentencode}'), CAST('10', 'UInt32'), 'it\\'s', toStartOfInterval(x, toIntervalSecond($__interval_s)) FROM t WHERE a >= $__fromTime_ms AND a <= $__toTime_ms",
    );
  });

  it('refuses a parameter with neither a variable nor a default, and variables in alert rules', () => {
    expect(() => panelSql(q, new Set())).toThrow(/session .*no default and no dashboard variable/);
    expect(alertSql(q, { session: 'abc' })).toContain("'abc'");
  });

  it('refuses saved SQL that Grafana would rewrite', () => {
    const bad = parseSavedQuery('-- name: b\n-- description: d\n-- panel: table\nSELECT \'$x\'', '/q/b.sql');
    expect(() => panelSql(bad, new Set())).toThrow(/Grafana would treat as a variable/);
  });
});

describe('provisioning', () => {
  const read = (rel: string): unknown => parse(readFileSync(join(REPO_ROOT, rel), 'utf8'));
  const yamlFiles = (dir: string): string[] => readdirSync(join(REPO_ROOT, dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${dir}/${f}`);

  it('the datasource is the ClickHouse plugin over HTTP with the OpenTelemetry trace settings, with the uid the dashboards use, and its connection from the environment', () => {
    const files = yamlFiles(GrafanaPaths.datasources);
    expect(files).toHaveLength(1);
    const doc = read(files[0]!) as { apiVersion: number; datasources: Record<string, any>[] };
    expect(doc.apiVersion).toBe(1);
    const ds = doc.datasources.find((x) => x.uid === DATASOURCE_UID)!;
    expect(ds).toBeDefined();
    expect(ds.type).toBe(DATASOURCE_TYPE);
    expect(ds.jsonData.protocol).toBe('http');
    expect(ds.jsonData.traces).toMatchObject({ defaultTable: 'otel_traces', otelEnabled: true, durationUnit: 'nanoseconds', traceIdColumn: 'TraceId', spanIdColumn: 'SpanId', parentSpanIdColumn: 'ParentSpanId', startTimeColumn: 'Timestamp', durationColumn: 'Duration', tagsColumn: 'SpanAttributes', serviceTagsColumn: 'ResourceAttributes' });
    for (const key of ['host', 'port', 'username', 'defaultDatabase']) expect(ds.jsonData[key], key).toMatch(/^\$\{FLIGHTREC_\w+\}$/);
    expect(ds.secureJsonData.password).toMatch(/^\$\{FLIGHTREC_\w+\}$/);
    // Every environment variable the file reads is documented.
    const docs = readFileSync(join(REPO_ROOT, 'docs/grafana.md'), 'utf8');
    for (const m of readFileSync(join(REPO_ROOT, files[0]!), 'utf8').matchAll(/\$\{(\w+)\}/g)) expect(docs, m[1]).toContain(m[1]);
  });

  it('the dashboard provider loads a folder that, through the compose mounts, holds the generated dashboards', () => {
    const files = yamlFiles(GrafanaPaths.dashboardProviders);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const doc = read(f) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
      expect(doc.apiVersion).toBe(1);
      for (const p of doc.providers) {
        expect(p.type).toBe('file');
        const repoPath = repoPathFor(p.options.path);
        expect(repoPath, `${p.options.path} is not mounted`).toBe(GrafanaPaths.dashboards);
        const json = readdirSync(join(REPO_ROOT, repoPath!)).filter((x) => x.endsWith('.json'));
        expect(json.sort()).toEqual([...dashboards.keys()].map((k) => k.split('/').pop()).sort());
      }
    }
  });

  it('the alert rules file parses, and each rule queries the flightrec datasource and links its dashboard', () => {
    const doc = read(ALERT_RULES_FILE) as { apiVersion: number; groups: { folder: string; interval: string; rules: Record<string, any>[] }[] };
    expect(doc.apiVersion).toBe(1);
    for (const g of doc.groups) {
      expect(g.folder).toBeTruthy();
      for (const r of g.rules) {
        expect(r.condition).toBe('C');
        expect(r.data[0].datasourceUid).toBe(DATASOURCE_UID);
        expect(r.data[1]).toMatchObject({ datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A' } });
        expect(byUid.has(r.dashboardUid)).toBe(true);
      }
    }
  });

  // The compose file for users' machines belongs to the collector/storage work; when it exists, its
  // Grafana service must mount exactly these folders.
  const composeFiles = (function find(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      if (f === 'node_modules' || f.startsWith('.')) return [];
      if (statSync(p).isDirectory()) return find(p);
      return /(^|[-.])compose[^/]*\.ya?ml$/.test(f) ? [relative(REPO_ROOT, p)] : [];
    });
  })(REPO_ROOT);

  it.skipIf(composeFiles.length === 0)('the compose file mounts each provisioning folder and the dashboards where Grafana expects them, and sets every variable the datasource reads', () => {
    let checked = 0;
    for (const f of composeFiles) {
      const doc = read(f) as { services?: Record<string, { image?: string; environment?: Record<string, string>; volumes?: (string | { source: string; target: string })[] }> };
      const grafana = Object.values(doc.services ?? {}).find((s) => /grafana\/grafana/.test(s.image ?? ''));
      if (!grafana) continue;
      checked++;
      const mounts = (grafana.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0]!, target: v.split(':')[1]! } : v));
      for (const m of GrafanaMounts) {
        const found = mounts.find((x) => x.target === m.container);
        expect(found, `${f}: nothing mounted at ${m.container}`).toBeDefined();
        const source = join(REPO_ROOT, f, '..', found!.source);
        expect(relative(REPO_ROOT, source)).toBe(m.repo);
        expect(existsSync(source)).toBe(true);
      }
      const dsText = readFileSync(join(REPO_ROOT, yamlFiles(GrafanaPaths.datasources)[0]!), 'utf8');
      for (const m of dsText.matchAll(/\$\{(\w+)\}/g)) expect(Object.keys(grafana.environment ?? {}), `${f}: grafana environment`).toContain(m[1]);
    }
    expect(checked).toBeGreaterThan(0);
  });
});
