/**
 * ClickHouse access control for a production server: three roles and example users.
 *
 * - flightrec_writer: INSERT into the flightrec database — the OpenTelemetry Collector's
 *   clickhouse exporter (or `flightrec up` when it writes to a server). Inserting into
 *   otel_traces also feeds the materialized views' target tables, so INSERT covers the database.
 * - flightrec_reviewer: SELECT only — Grafana's ClickHouse datasource and the `flightrec query` CLI.
 * - flightrec_exporter: SELECT only, as its own role so audit exports show up as their own
 *   principal in `system.query_log` and can be limited or revoked without touching reviewers.
 *
 * Passwords are never written into the DDL: users are created with `sha256_hash` of a password
 * and a random salt, so the text can be logged or committed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_DATABASE, quoteIdent, quoteString as literal } from './tables.ts';

export const Roles = {
  writer: 'flightrec_writer',
  reviewer: 'flightrec_reviewer',
  exporter: 'flightrec_exporter',
} as const;
export type RoleName = (typeof Roles)[keyof typeof Roles];

export interface RoleUser {
  readonly name: string;
  readonly role: RoleName;
  /** The password's SHA-256 is stored (with salt); the password itself never appears in the SQL. */
  readonly password: string;
  /** Hosts the user may connect from, e.g. '10.0.0.0/8'; default anywhere. */
  readonly fromIp?: string;
}

export interface RolesOptions {
  readonly database?: string;
  readonly cluster?: string;
  readonly users?: readonly RoleUser[];
  /** Salt source, for reproducible output in tests. */
  readonly salt?: () => string;
}


/** CREATE ROLE / GRANT / CREATE USER statements, in order, each idempotent where ClickHouse allows it. */
export function rolesDdl(opts: RolesOptions = {}): string[] {
  const db = quoteIdent(opts.database ?? DEFAULT_DATABASE);
  const on = opts.cluster ? ` ON CLUSTER ${quoteIdent(opts.cluster)}` : '';
  const statements = [
    `CREATE ROLE IF NOT EXISTS ${Roles.writer}${on}`,
    `CREATE ROLE IF NOT EXISTS ${Roles.reviewer}${on}`,
    `CREATE ROLE IF NOT EXISTS ${Roles.exporter}${on}`,
    `GRANT${on} INSERT ON ${db}.* TO ${Roles.writer}`,
    `GRANT${on} SELECT ON ${db}.* TO ${Roles.reviewer}`,
    `GRANT${on} SELECT ON ${db}.* TO ${Roles.exporter}`,
  ];
  const salt = opts.salt ?? (() => randomBytes(16).toString('hex'));
  for (const u of opts.users ?? []) {
    const name = quoteIdent(u.name);
    const s = salt();
    const hash = createHash('sha256').update(u.password + s).digest('hex');
    const host = u.fromIp ? ` HOST IP ${literal(u.fromIp)}` : '';
    statements.push(
      `CREATE USER IF NOT EXISTS ${name}${on} IDENTIFIED WITH sha256_hash BY ${literal(hash)} SALT ${literal(s)}${host} DEFAULT ROLE ${u.role}`,
      `GRANT${on} ${u.role} TO ${name}`,
    );
  }
  return statements;
}

/** Example users matching the roles; pass real passwords (from a secret store) in production. */
export function exampleUsers(passwords: { collector: string; grafana: string; auditor: string }): RoleUser[] {
  return [
    { name: 'flightrec_collector', role: Roles.writer, password: passwords.collector },
    { name: 'flightrec_grafana', role: Roles.reviewer, password: passwords.grafana },
    { name: 'flightrec_audit_export', role: Roles.exporter, password: passwords.auditor },
  ];
}
