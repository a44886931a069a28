/**
 * Where the generated and provisioning files live in the repository, and where Grafana sees them
 * inside its container. The compose file for users' machines mounts exactly these (a test
 * cross-checks it); change them together.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const GrafanaPaths = {
  dashboards: 'grafana/dashboards',
  provisioning: 'grafana/provisioning',
  datasources: 'grafana/provisioning/datasources',
  dashboardProviders: 'grafana/provisioning/dashboards',
  alerting: 'grafana/provisioning/alerting',
} as const;

/** Repository folder → path inside the Grafana container. */
export const GrafanaMounts: readonly { readonly repo: string; readonly container: string }[] = [
  { repo: GrafanaPaths.datasources, container: '/etc/grafana/provisioning/datasources' },
  { repo: GrafanaPaths.dashboardProviders, container: '/etc/grafana/provisioning/dashboards' },
  { repo: GrafanaPaths.alerting, container: '/etc/grafana/provisioning/alerting' },
  { repo: GrafanaPaths.dashboards, container: '/var/lib/grafana/dashboards/flightrec' },
];

/** The repository path a container path refers to, through the mounts above; null when unmounted. */
export function repoPathFor(containerPath: string): string | null {
  for (const m of GrafanaMounts) {
    if (containerPath === m.container || containerPath.startsWith(m.container + '/')) return m.repo + containerPath.slice(m.container.length);
  }
  return null;
}
