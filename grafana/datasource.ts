/**
 * The ClickHouse datasource every generated dashboard and alert rule points at. The uid is fixed so
 * provisioned dashboards resolve it without a `${DS}` input; grafana/provisioning/datasources/
 * declares the same uid (a test checks they agree).
 */
import type { DataSourceRef } from '@grafana/schema';

export const DATASOURCE_TYPE = 'grafana-clickhouse-datasource';
export const DATASOURCE_UID = 'flightrec-clickhouse';
/** The plugin release whose macros and query model the dashboards were written against (docs/grafana.md). */
export const PLUGIN_VERSION = '4.20.0';

export const datasourceRef: DataSourceRef = { type: DATASOURCE_TYPE, uid: DATASOURCE_UID };
