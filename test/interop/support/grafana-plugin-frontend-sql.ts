/**
 * The ClickHouse plugin's schema browsing, as SQL (plugin 4.20.0). Two sources:
 * - the frontend, through the backend query path, when a user browses the schema in the query
 *   builder or SQL editor (src/data/CHDatasource.ts: fetchDatabases, fetchTables,
 *   fetchColumnsFromTable, fetchSqlFunctions, fetchUniqueMapKeys);
 * - the backend's schema provider for Grafana's SQL schema API (pkg/plugin/schema.go: tables,
 *   columns of several tables at once, a table's columns, distinct column values), which runs its
 *   SQL on the same pooled connection.
 * The texts are restated here because neither can be run outside Grafana and the plugin module (the
 * frontend is bundled TypeScript; the backend module cannot be fetched here); each returns a
 * table-format frame.
 */
const id = (s: string): string => `"${s.replace(/"/g, '""')}"`;

export interface SchemaQuery {
  readonly id: string;
  readonly sql: string;
}

export function schemaBrowsingQueries(database: string, table: string, mapColumn: string): SchemaQuery[] {
  return [
    { id: 'databases', sql: 'SHOW DATABASES' },
    { id: 'tables', sql: `SHOW TABLES FROM "${database}"` },
    { id: 'columns', sql: `DESC TABLE "${database}"."${table}"` },
    {
      id: 'functions',
      sql: `
      SELECT
        name, is_aggregate, case_insensitive, alias_to, origin, description,
        syntax, arguments, returned_value, examples, categories
      FROM system.functions
      LIMIT 10000
    `,
    },
    // With a known time column the plugin probes the last six hours of the map column's keys.
    { id: 'map-keys', sql: `SELECT DISTINCT arrayJoin(${id(mapColumn)}.keys) as keys FROM ${id(database)}.${id(table)} WHERE ${id('Timestamp')} >= now() - INTERVAL 6 HOUR LIMIT 1000` },
    // The backend schema provider.
    { id: 'provider tables', sql: 'SELECT database, name FROM system.tables ORDER BY database, name' },
    { id: 'provider current database', sql: 'SELECT currentDatabase()' },
    {
      id: 'provider columns',
      sql: `SELECT database, table, name, type, comment FROM system.columns WHERE (database, table) IN (('${database}', '${table}')) OR (database = currentDatabase() AND table IN ('${table}')) ORDER BY database, table, position`,
    },
    { id: 'provider describe', sql: `DESCRIBE TABLE "${database}"."${table}"` },
    // An ad hoc filter variable (src/data/adHocFilter.ts, apply): the frontend appends the filters
    // to a panel's query as the outer query's additional_table_filters, each ` key op 'value' `.
    {
      id: 'ad hoc filter',
      sql: `SELECT ServiceName, count() AS spans FROM "${database}"."${table}" GROUP BY ServiceName settings additional_table_filters={'${table}' : ' ServiceName = \\'mail-agent\\' '}`,
    },
    {
      id: 'provider values',
      sql: ['ServiceName', 'SpanKind'].map((c) => `SELECT '${c}' AS col_name, toString(\`${c}\`) AS val FROM (SELECT DISTINCT \`${c}\` FROM ${database}.${table} SETTINGS max_execution_time=10)`).join(' UNION ALL '),
    },
  ];
}
