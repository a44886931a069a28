/**
 * Which saved queries become which dashboard panels and variables. Nothing here names a query one
 * by one: every `.sql` in queries/ with a `-- panel:` header becomes a panel, placed by its
 * header and parameters, so a query added to queries/ shows up in Grafana on the next
 * `npm run grafana:generate`.
 *
 * Placement, first match wins:
 *   `-- variable: name`           → the options query of dashboard variable `name` (not a panel)
 *   no `-- panel:` header         → not in Grafana
 *   `-- dashboard: <id>`          → that dashboard (`none` keeps it out)
 *   `-- detection: true`          → Detections (and the detection summary on Agent overview)
 *   name starts with `health_`    → Pipeline health
 *   takes session, trace or action → Incident review
 *   otherwise                     → Agent overview
 */
import { readFileSync } from 'node:fs';
import { loadSavedQueries, type SavedQuery } from '../catalogue/saved-queries.ts';

export const DashboardIds = ['agent-overview', 'incident-review', 'detections', 'pipeline-health'] as const;
export type DashboardId = (typeof DashboardIds)[number];

/** Variables of Incident review: a query taking one of these belongs there. */
export const INCIDENT_VARIABLES = ['session', 'trace', 'action'] as const;
/** Filters of Agent overview. */
export const OVERVIEW_VARIABLES = ['service', 'agent', 'channel', 'conversation'] as const;

export interface QueryCatalogue {
  readonly panels: ReadonlyMap<DashboardId, readonly SavedQuery[]>;
  readonly variables: ReadonlyMap<string, SavedQuery>;
  readonly detections: readonly SavedQuery[];
  readonly all: readonly SavedQuery[];
}

export class CatalogueError extends Error {}

function hasPanelHeader(q: SavedQuery): boolean {
  // The parser defaults `panel` to table; only an explicit header puts a query on a dashboard.
  const header = readFileSync(q.file, 'utf8').split('\n').filter((l) => l.startsWith('--'));
  return header.some((l) => /^--\s?panel:/.test(l));
}

export function isDetection(q: SavedQuery): boolean {
  return q.meta.detection === 'true';
}

export function placeQuery(q: SavedQuery): DashboardId | null {
  if (q.meta.variable !== undefined || !hasPanelHeader(q)) return null;
  const explicit = q.meta.dashboard;
  if (explicit !== undefined) {
    if (explicit === 'none') return null;
    if (!(DashboardIds as readonly string[]).includes(explicit)) {
      throw new CatalogueError(`${q.file}: unknown dashboard ${JSON.stringify(explicit)}; use one of ${DashboardIds.join(', ')} or none`);
    }
    return explicit as DashboardId;
  }
  if (isDetection(q)) return 'detections';
  if (q.name.startsWith('health_')) return 'pipeline-health';
  if (q.params.some((p) => (INCIDENT_VARIABLES as readonly string[]).includes(p.name))) return 'incident-review';
  return 'agent-overview';
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/** Most severe first, then by name, so the layout is stable. */
export function bySeverity(a: SavedQuery, b: SavedQuery): number {
  const rank = (q: SavedQuery): number => {
    const i = SEVERITY_ORDER.indexOf(q.meta.severity ?? '');
    return i === -1 ? SEVERITY_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

export function loadCatalogue(dir?: string): QueryCatalogue {
  const all = loadSavedQueries(dir);
  const panels = new Map<DashboardId, SavedQuery[]>(DashboardIds.map((d) => [d, []]));
  const variables = new Map<string, SavedQuery>();
  for (const q of all) {
    // `-- variable: a, b`: one query gives the options of several variables (the same list on two dashboards).
    const names = q.meta.variable?.split(',').map((n) => n.trim());
    if (names !== undefined) {
      for (const v of names) {
        if (!/^[a-z_]\w*$/.test(v)) throw new CatalogueError(`${q.file}: variable name ${JSON.stringify(v)} is not a plain identifier`);
        if (variables.has(v)) throw new CatalogueError(`${q.file}: variable ${v} already comes from ${variables.get(v)!.file}`);
        variables.set(v, q);
      }
      continue;
    }
    const d = placeQuery(q);
    if (d) panels.get(d)!.push(q);
  }
  const detections = [...panels.get('detections')!].filter(isDetection).sort(bySeverity);
  return { panels, variables, detections, all };
}
