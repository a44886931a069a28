#!/bin/bash
# Runs once on an empty data volume (ClickHouse image's /docker-entrypoint-initdb.d), before
# flightrec-schema.sql: the read-only user Grafana's datasource logs in as
# (grafana/clickhouse/reviewer-user.sql, with the password from GRAFANA_CLICKHOUSE_PASSWORD).
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE USER IF NOT EXISTS flightrec_reviewer IDENTIFIED WITH sha256_password BY '${GRAFANA_CLICKHOUSE_PASSWORD//\'/\'\'}' SETTINGS readonly = 2;
GRANT SELECT ON otel.* TO flightrec_reviewer;
GRANT SELECT ON system.parts TO flightrec_reviewer;
SQL
