/**
 * SQL that the ClickHouse plugin's frontend sends through the backend query path when a user
 * browses the schema in the query builder or SQL editor (src/data/CHDatasource.ts at plugin 4.20.0:
 * fetchDatabases, fetchTables, fetchColumnsFromTable, fetchSqlFunctions, fetchUniqueMapKeys).
 * The texts are restated here because the frontend is TypeScript bundled into the plugin and does
 * not run outside Grafana; each returns a table-format frame.
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
  ];
}
