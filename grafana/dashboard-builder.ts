/**
 * Plain typed builders for Grafana dashboard JSON (schema v1, types from @grafana/schema), with
 * the ClickHouse plugin's query model added. Why not @grafana/grafana-foundation-sdk: it has no
 * ClickHouse query type and no traces panel, so both would be hand-written anyway; see
 * docs/grafana.md.
 */
import type { Dashboard, DataSourceRef, FieldConfigSource, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type { PanelKind, SavedQuery } from '../catalogue/saved-queries.ts';
import { PLUGIN_VERSION, datasourceRef } from './datasource.ts';
import { panelSql } from './translate-query.ts';

/**
 * Dashboard JSON schema version. 42 is what @grafana/schema (Grafana 13.x) declares as current
 * (`defaultDashboard.schemaVersion`); Grafana migrates older versions on load and loads this one as is.
 */
export const SCHEMA_VERSION = 42;

/** The plugin's `Format` enum (src/types/sql.ts): how the backend shapes the result frame. */
export const Format = { timeseries: 0, table: 1, logs: 2, traces: 3 } as const;

/** A raw-SQL target of grafana-clickhouse-datasource (CHSqlQuery in the plugin's types). */
export type ClickHouseTarget = {
  readonly refId: string;
  readonly datasource: DataSourceRef;
  /** `builder` only for the plugin's own trace-ID query (trace-panel.ts); rawSql is what runs either way. */
  readonly editorType: 'sql' | 'builder';
  readonly rawSql: string;
  readonly format: number;
  readonly queryType: 'table' | 'timeseries' | 'logs' | 'traces';
  readonly pluginVersion: string;
};

export function target(rawSql: string, kind: PanelKind, refId = 'A'): ClickHouseTarget {
  const queryType = kind === 'timeseries' ? 'timeseries' : kind === 'traces' ? 'traces' : kind === 'logs' ? 'logs' : 'table';
  return { refId, datasource: datasourceRef, editorType: 'sql', rawSql, format: Format[queryType], queryType, pluginVersion: PLUGIN_VERSION };
}

/** A data link from one column of a panel's result to another dashboard. */
export interface FieldLink {
  readonly field: string;
  readonly title: string;
  readonly url: string;
}

export interface PanelInput {
  readonly title: string;
  readonly description: string;
  readonly kind: PanelKind;
  readonly targets: readonly ClickHouseTarget[];
  readonly unit?: string;
  /** Units of single columns, where one panel mixes them. */
  readonly fieldUnits?: Readonly<Record<string, string>>;
  readonly links?: readonly FieldLink[];
  readonly width?: number;
  readonly height?: number;
  readonly transformations?: Panel['transformations'];
  readonly options?: Record<string, unknown>;
  readonly custom?: Record<string, unknown>;
}

export interface RowInput {
  readonly title: string;
  readonly panels: readonly PanelInput[];
}

const SIZE: Record<PanelKind, { w: number; h: number }> = {
  stat: { w: 24, h: 4 },
  timeseries: { w: 12, h: 8 },
  table: { w: 24, h: 9 },
  barchart: { w: 12, h: 8 },
  piechart: { w: 8, h: 8 },
  traces: { w: 24, h: 16 },
  logs: { w: 24, h: 10 },
};

function optionsFor(kind: PanelKind): Record<string, unknown> {
  switch (kind) {
    case 'stat':
      return { reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' }, colorMode: 'value', graphMode: 'none', textMode: 'value_and_name', justifyMode: 'auto', orientation: 'auto' };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false } };
    case 'timeseries':
      return { legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } };
    case 'barchart':
      return { orientation: 'auto', showValue: 'auto', legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] }, tooltip: { mode: 'single', sort: 'none' } };
    case 'piechart':
      return { reduceOptions: { values: true, calcs: ['lastNotNull'], fields: '' }, pieType: 'pie', legend: { showLegend: true, displayMode: 'list', placement: 'right' } };
    case 'logs':
      return { showTime: true, wrapLogMessage: true, sortOrder: 'Descending' };
    case 'traces':
      return {};
  }
}

function fieldConfig(p: PanelInput): FieldConfigSource {
  const defaults: FieldConfigSource['defaults'] = {};
  if (p.unit) defaults.unit = p.unit;
  if (p.custom) defaults.custom = p.custom;
  const overrides: FieldConfigSource['overrides'] = (p.links ?? []).map((l) => ({
    matcher: { id: 'byName', options: l.field },
    properties: [{ id: 'links', value: [{ title: l.title, url: l.url, targetBlank: false }] }],
  }));
  for (const [field, unit] of Object.entries(p.fieldUnits ?? {})) {
    overrides.push({ matcher: { id: 'byName', options: field }, properties: [{ id: 'unit', value: unit }] });
  }
  return { defaults, overrides };
}

/** Lay rows and panels out on Grafana's 24-column grid, left to right, wrapping. */
export function layout(rows: readonly RowInput[]): (Panel | RowPanel)[] {
  const out: (Panel | RowPanel)[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    if (row.panels.length === 0) continue;
    out.push({ type: 'row', id: id++, title: row.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] } as RowPanel);
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? SIZE[p.kind].w;
      const h = p.height ?? SIZE[p.kind].h;
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      out.push({
        type: p.kind,
        id: id++,
        title: p.title,
        description: p.description,
        datasource: datasourceRef,
        gridPos: { x, y, w, h },
        targets: [...p.targets],
        fieldConfig: fieldConfig(p),
        options: { ...optionsFor(p.kind), ...p.options },
        ...(p.transformations ? { transformations: p.transformations } : {}),
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return out;
}

/** The query's `-- title:` header, else its name in words. */
export function titleOf(q: SavedQuery): string {
  if (q.meta.title) return q.meta.title;
  const words = q.name.replace(/^(grafana|health|detect)_/, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One panel showing one saved query. */
export function queryPanel(q: SavedQuery, variables: ReadonlySet<string>, extra: Partial<PanelInput> = {}): PanelInput {
  return {
    title: titleOf(q),
    description: `${q.description} (queries/${q.name}.sql)`,
    kind: q.panel,
    targets: [target(panelSql(q, variables), q.panel)],
    ...extra,
  };
}

export interface VariableInput {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly query: SavedQuery;
  /** Adds "All" with the value `*`, which the saved queries read as "no filter". */
  readonly includeAll?: boolean;
  /** Lets a reviewer paste an id the list does not show (an old session, a trace id). */
  readonly allowCustomValue?: boolean;
}

export const ALL_VALUE = '*';

/** A query variable; `definition` (the query text Grafana shows in the list of variables) is not in the schema types. */
export type QueryVariableModel = VariableModel & { definition: string };

export function queryVariable(v: VariableInput, variables: ReadonlySet<string>): QueryVariableModel {
  const rawSql = panelSql(v.query, variables);
  const model: VariableModel = {
    type: 'query',
    name: v.name,
    label: v.label,
    description: v.description,
    datasource: datasourceRef,
    query: { refId: `${v.name}-variable`, editorType: 'sql', rawSql, format: Format.table, queryType: 'table', pluginVersion: PLUGIN_VERSION },
    // 2 = on time range change: the options come from the selected time range.
    refresh: 2,
    sort: 0,
    multi: false,
    includeAll: v.includeAll ?? false,
    // No current value otherwise: Grafana selects the first option the query returns.
    ...(v.includeAll ? { allValue: ALL_VALUE, current: { text: 'All', value: '$__all' } } : {}),
    allowCustomValue: v.allowCustomValue ?? false,
    options: [],
    hide: 0,
    skipUrlSync: false,
  };
  return { ...model, definition: rawSql };
}

export interface DashboardInput {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: readonly VariableModel[];
  readonly rows: readonly RowInput[];
  readonly time?: { from: string; to: string };
  readonly refresh?: string;
}

export function dashboard(d: DashboardInput): Dashboard {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: [...d.tags],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    time: d.time ?? { from: 'now-24h', to: 'now' },
    refresh: d.refresh ?? '',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: { list: [] },
    links: [{ type: 'dashboards', title: 'flightrec', tags: ['flightrec'], asDropdown: true, includeVars: false, keepTime: true, targetBlank: false, icon: 'external link', tooltip: '', url: '' }],
    templating: { list: [...d.variables] },
    panels: layout(d.rows),
  };
}
