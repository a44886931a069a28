/**
 * The production pieces that cannot run here (no collector binary, no Docker engine, no ClickHouse
 * server): their YAML is parsed and cross-checked against the code's one place for each fact —
 * table names (storage/tables.ts), retention (storage/schema.ts), attribute keys
 * (instrumentation/semconv.ts), the cluster DDL — and against the files in the repository.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FEATURE_GATES } from '../instrumentation/redaction/collector-blocks.ts';
import { AllAttributeKeys, Flightrec, Risks, Verdicts } from '../instrumentation/semconv.ts';
import { DEFAULT_TTL_DAYS, productionDdlScript } from '../storage/schema.ts';
import { DEFAULT_DATABASE, Tables } from '../storage/tables.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (path: string): Yaml => parse(readFileSync(join(ROOT, path), 'utf8')) as Yaml;

const collector = load('collector-config/otel-collector.yaml');
const clusterOverlay = load('collector-config/otel-collector.cluster.yaml');
const compose = load('deploy/docker-compose.yaml');

/** The collector's own config merge: maps merge key by key, everything else is replaced. */
function merge(a: Yaml, b: Yaml): Yaml {
  const out: Yaml = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
  }
  return out;
}

/** A Go RE2 pattern as a JavaScript RegExp: (?i) becomes the i flag (the patterns here use no other RE2-only syntax). */
function goRegex(pattern: string): RegExp {
  const insensitive = pattern.includes('(?i)');
  return new RegExp(`^(?:${pattern.replaceAll('(?i)', '')})$`, insensitive ? 'i' : '');
}

describe('collector-config/otel-collector.yaml', () => {
  const pipeline = collector.service.pipelines.traces;

  it('receives OTLP on the standard ports, gRPC and HTTP', () => {
    expect(collector.receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(pipeline.receivers).toEqual(['otlp']);
  });

  it('exports into the same database and table the embedded receiver writes, with the same retention', () => {
    const ch = collector.exporters.clickhouse;
    expect(pipeline.exporters).toEqual(['clickhouse']);
    expect(ch.database).toBe(DEFAULT_DATABASE);
    expect(ch.traces_table_name).toBe(Tables.traces);
    expect(ch.ttl).toBe(`${DEFAULT_TTL_DAYS * 24}h`);
    expect(ch.async_insert).toBe(false);
    expect(ch.retry_on_failure.enabled).toBe(true);
    expect(ch.endpoint).toBe('${env:CLICKHOUSE_ENDPOINT}');
  });

  it('runs memory_limiter first, scrubs secrets before sampling, samples before batching and export', () => {
    const p: string[] = pipeline.processors;
    expect(p[0]).toBe('memory_limiter');
    expect(p.indexOf('redaction')).toBeGreaterThan(0);
    expect(p.indexOf('transform/scrub')).toBeGreaterThan(0);
    expect(p.indexOf('tail_sampling')).toBeGreaterThan(Math.max(p.indexOf('redaction'), p.indexOf('transform/scrub')));
    expect(p.at(-1)).toBe('batch');
    // Every processor used is defined, and every one defined is used.
    expect(new Set(p)).toEqual(new Set(Object.keys(collector.processors)));
    expect(collector.processors.memory_limiter.check_interval).toBeDefined();
  });

  it('keeps every error, denial, approval and high/critical-risk trace, using attribute keys flightrec declares', () => {
    const policies: Yaml[] = collector.processors.tail_sampling.policies;
    const attributeKeys = policies.flatMap((pol) => ['string_attribute', 'numeric_attribute', 'boolean_attribute'].map((t) => pol[t]?.key).filter(Boolean));
    for (const key of attributeKeys) expect(AllAttributeKeys.has(key), `sampling key ${key} is not in instrumentation/semconv.ts`).toBe(true);

    const byKey = (key: string): Yaml | undefined => policies.find((pol) => pol.string_attribute?.key === key)?.string_attribute;
    expect(policies.find((pol) => pol.type === 'status_code')?.status_code.status_codes).toEqual(['ERROR']);

    const deny = byKey(Flightrec.policyVerdict);
    expect(deny?.values).toEqual(['deny']);
    expect(Verdicts).toContain('deny');

    const approval = byKey(Flightrec.approvalStatus);
    expect(approval?.enabled_regex_matching).toBe(true);
    expect(approval?.values.map((v: string) => goRegex(v).test('approved'))).toEqual([true]);

    const risk = byKey(Flightrec.risk);
    expect(new Set(risk?.values)).toEqual(new Set(Risks.slice(Risks.indexOf('high'))));

    const rest = policies.find((pol) => pol.type === 'probabilistic');
    expect(rest?.probabilistic.sampling_percentage).toBeGreaterThan(0);
    expect(rest?.probabilistic.sampling_percentage).toBeLessThan(100);
  });

  it('drops and masks secret-looking keys, but never a key flightrec itself writes', () => {
    const patterns: string[] = [...collector.processors.redaction.blocked_key_patterns];
    // Statements come in context groups ({ context, statements }).
    const statements = (collector.processors['transform/scrub'].trace_statements as (string | { statements: string[] })[]).flatMap((s) => (typeof s === 'string' ? [s] : s.statements));
    for (const statement of statements) {
      const m = /^delete_matching_keys\([^,]+,\s*"(.*)"\)$/.exec(statement);
      if (m) patterns.push(m[1]!.replace(/\\\\/g, '\\'));
    }
    expect(patterns.length).toBeGreaterThanOrEqual(4);
    const regexes = patterns.map(goRegex);
    for (const key of AllAttributeKeys) {
      expect(regexes.filter((r) => r.test(key)).map(String), `${key} would be removed`).toEqual([]);
    }
    for (const secret of ['openai.api_key', 'http.request.header.authorization', 'db.password', 'aws.secret_access_key', 'oauth.access_token']) {
      expect(regexes.some((r) => r.test(secret)), `${secret} would be kept`).toBe(true);
    }
    // The blocked values are the generated redaction rules (test/collector-config-redaction.test.ts checks them against their source).
    expect((collector.processors.redaction.blocked_values as string[]).length).toBeGreaterThanOrEqual(150);
  });

  it('with the cluster overlay, creates replicated tables ON CLUSTER with the same engine path as flightrec schema', () => {
    const merged = merge(collector, clusterOverlay);
    const ch = merged.exporters.clickhouse;
    expect(ch.cluster_name).toBe('${env:CLICKHOUSE_CLUSTER}');
    expect(ch.table_engine.name).toBe('ReplicatedMergeTree');
    const ddl = productionDdlScript({ cluster: 'c' });
    const params = /ENGINE = ReplicatedMergeTree\(([^)]*)\)/.exec(ddl)![1];
    expect(ch.table_engine.params).toBe(params);
    // The overlay changes nothing else.
    expect({ ...ch, cluster_name: undefined, table_engine: undefined }).toEqual({ ...collector.exporters.clickhouse, cluster_name: undefined, table_engine: undefined });
    expect(merged.service).toEqual(collector.service);
  });
});

describe('deploy/docker-compose.yaml', () => {
  const services = compose.services as Record<string, Yaml>;
  const mounts = (svc: string): { source: string; target: string }[] =>
    (services[svc]!.volumes as string[])
      .map((v) => v.split(':'))
      .filter(([source]) => source!.startsWith('.'))
      .map(([source, target]) => ({ source: resolve(ROOT, 'deploy', source!), target: target! }));

  it('runs the contrib collector, a ClickHouse server and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'grafana', 'otel-collector']);
    expect(services['otel-collector']!.image).toMatch(/^otel\/opentelemetry-collector-contrib:/);
    expect(services.clickhouse!.image).toMatch(/^clickhouse\/clickhouse-server:/);
    expect(services.grafana!.image).toMatch(/^grafana\/grafana:/);
  });

  it('binds every port to loopback only', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const port of svc.ports as string[]) expect(port, `${name} ${port}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('mounts files and directories that exist in the repository', () => {
    for (const svc of Object.keys(services)) {
      for (const m of mounts(svc)) expect(existsSync(m.source), `${svc}: ${m.source}`).toBe(true);
    }
  });

  it('gives the collector this repository’s config and a ClickHouse endpoint on the compose network', () => {
    const col = services['otel-collector']!;
    const config = mounts('otel-collector').find((m) => m.source.endsWith('collector-config/otel-collector.yaml'));
    expect(config).toBeDefined();
    expect(col.command.join(' ')).toContain(`--config=${config!.target}`);
    // The generated redaction stage needs the lambda gate (without it the collector refuses the file).
    expect(col.command).toContain(FEATURE_GATES);
    const endpoint = new URL(col.environment.CLICKHOUSE_ENDPOINT);
    expect(services[endpoint.hostname]).toBeDefined();
    expect(endpoint.port).toBe('9000');
    expect(collector.receivers.otlp.protocols.http.endpoint.split(':')[1]).toBe('4318');
  });

  it('initialises ClickHouse with exactly `flightrec schema`', () => {
    const initdb = mounts('clickhouse').find((m) => m.target === '/docker-entrypoint-initdb.d');
    expect(initdb).toBeDefined();
    const sql = readdirSync(initdb!.source).filter((f) => f.endsWith('.sql'));
    expect(sql).toEqual(['flightrec-schema.sql']);
    expect(readFileSync(join(initdb!.source, 'flightrec-schema.sql'), 'utf8')).toBe(productionDdlScript());
    expect(services.clickhouse!.environment.CLICKHOUSE_DB).toBe(DEFAULT_DATABASE);
  });

  it('mounts Grafana’s provisioning and dashboards directories and installs the ClickHouse plugin', () => {
    const g = mounts('grafana');
    const bySource = (p: string): string | undefined => g.find((m) => m.source === join(ROOT, p))?.target;
    expect(bySource('grafana/provisioning/datasources')).toBe('/etc/grafana/provisioning/datasources');
    expect(bySource('grafana/provisioning/dashboards')).toBe('/etc/grafana/provisioning/dashboards');
    expect(bySource('grafana/provisioning/alerting')).toBe('/etc/grafana/provisioning/alerting');
    expect(bySource('grafana/dashboards')).toBe('/var/lib/grafana/dashboards/flightrec');
    for (const m of g) expect(statSync(m.source).isDirectory()).toBe(true);
    expect(services.grafana!.environment.GF_PLUGINS_PREINSTALL_SYNC).toMatch(/^grafana-clickhouse-datasource@\d+\.\d+\.\d+$/);
  });

  it('gives Grafana every variable its datasource file uses, pointing at the compose ClickHouse and its reviewer user', () => {
    const dir = join(ROOT, 'grafana/provisioning/datasources');
    const env = services.grafana!.environment as Record<string, string>;
    for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const [, name] of text.matchAll(/\$\{([A-Z0-9_]+)\}/g)) expect(env[name!], `${f} uses \${${name}}`).toBeDefined();
      for (const ds of (parse(text).datasources ?? []) as Yaml[]) {
        if (ds.type !== 'grafana-clickhouse-datasource') continue;
        const resolved = (v: unknown): string => String(v).replace(/\$\{([A-Z0-9_]+)\}/g, (_m, n: string) => env[n] ?? '');
        expect(services[resolved(ds.jsonData.host)], 'datasource host is a compose service').toBeDefined();
        expect(resolved(ds.jsonData.port)).toBe('8123');
        expect(resolved(ds.jsonData.defaultDatabase)).toBe(DEFAULT_DATABASE);
        const user = resolved(ds.jsonData.username);
        const init = readFileSync(join(ROOT, 'deploy/clickhouse/initdb/10-grafana-reviewer.sh'), 'utf8');
        expect(init).toMatch(new RegExp(`CREATE USER IF NOT EXISTS ${user} .*readonly = 2`));
        expect(init).toContain(`GRANT SELECT ON ${DEFAULT_DATABASE}.* TO ${user}`);
      }
    }
  });

  it('any provisioned dashboards provider reads from the mounted dashboards directory', () => {
    const dir = join(ROOT, 'grafana/provisioning/dashboards');
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    const target = mounts('grafana').find((m) => m.source === join(ROOT, 'grafana/dashboards'))!.target;
    for (const f of files) {
      for (const provider of (load(`grafana/provisioning/dashboards/${f}`).providers ?? []) as Yaml[]) {
        if (provider.type === 'file' || provider.options?.path) expect(String(provider.options.path).startsWith(target), `${f}: ${provider.options.path}`).toBe(true);
      }
    }
  });
});
