-- A read-only reviewer for Grafana on a ClickHouse server (the embedded server has its own
-- `reader` user, FLIGHTREC_READER_PASSWORD). Run once as an administrator, with your own password:
--   (replace change-me first)  clickhouse-client --queries-file grafana/clickhouse/reviewer-user.sql
-- readonly = 2: may change query settings (the plugin sends some), never data or schema.
CREATE USER IF NOT EXISTS flightrec_reviewer IDENTIFIED WITH sha256_password BY 'change-me'
    SETTINGS readonly = 2;
GRANT SELECT ON otel.* TO flightrec_reviewer;
-- Pipeline health reads storage per day from system.parts.
GRANT SELECT ON system.parts TO flightrec_reviewer;
