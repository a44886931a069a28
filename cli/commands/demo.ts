import { parseArgs } from 'node:util';
import type { EmbeddedServer } from '../../server/embedded-server.ts';
import { runDetections, type Finding } from '../../review/detections.ts';
import { formatFinding, terminalPaint } from '../../review/render-text.ts';
import type { ReplayedSession } from '../../workload/replay.ts';
import { DEFAULT_DATA_DIR, DEFAULT_QUERY_URL } from '../connect.ts';
import { ingestTokenFromEnv, usersFromEnv } from '../users-from-env.ts';
import { UsageError, type Command } from '../command.ts';
import { portOption as port, startServer } from '../start-server.ts';
import { waitForStopSignal } from '../stop-signal.ts';

async function start(opts: { dataDir: string; host?: string; otlpPort: number; queryPort: number; ingestToken?: string }): Promise<EmbeddedServer> {
  let users: ReturnType<typeof usersFromEnv>;
  try {
    users = usersFromEnv();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return startServer({ ...opts, users });
}

async function countSpans(server: EmbeddedServer, sessions: readonly ReplayedSession[]): Promise<number> {
  await server.ingested(); // acknowledged spans may still be in the write-ahead log
  const rs = await server.client.query({
    query: 'SELECT count() AS n FROM flightrec_spans WHERE SessionId IN {sessions:Array(String)}',
    query_params: { sessions: sessions.map((s) => s.sessionId) },
    format: 'JSONEachRow',
  });
  const rows = (await rs.json()) as { n: string | number }[];
  return Number(rows[0]?.n ?? 0);
}

/** The commands a user can paste next, each pointing at data this run just wrote. */
export function nextCommands(findings: readonly Finding[], sessions: readonly ReplayedSession[], queryUrl: string): string[] {
  const url = queryUrl === DEFAULT_QUERY_URL ? '' : ` --url ${queryUrl}`;
  const cmd = (args: string): string => `npm run flightrec -- ${args}${url}`;
  const out = [cmd('incidents --since 2h')];
  const worst = findings[0]; // the most severe (runDetections sorts them)
  if (worst) {
    out.push(cmd(`incident ${worst.sessionId}`));
    out.push(cmd(`incident ${worst.sessionId} --html incident.html`));
    // The first outward action of a toxic flow (the attempt policy denied), else the finding's last evidence span.
    const action = typeof worst.row.ActionSpanId === 'string' ? worst.row.ActionSpanId : worst.evidenceSpanIds.at(-1);
    if (action) out.push(cmd(`query context_before_action --param session=${worst.sessionId} --param action=${action}`));
  }
  const effects = findings.find((f) => f.detection === 'detect_duplicate_side_effects')?.sessionId ?? sessions[0]?.sessionId;
  if (effects) out.push(cmd(`query session_effects --param session=${effects}`));
  out.push(cmd('query tool_error_rates --since 2h'));
  out.push(cmd('query overview --since 2h --format json'));
  out.push('npm run flightrec -- queries');
  return out;
}

export const demo: Command = {
  name: 'demo',
  summary: 'start the embedded server, replay a realistic agent workload through OTLP, and show what the detections find',
  usage: 'flightrec demo [--data-dir DIR] [--host 127.0.0.1] [--otlp-port 4318] [--query-port 8123] [--exit]',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, host: { type: 'string' }, 'otlp-port': { type: 'string' }, 'query-port': { type: 'string' }, exit: { type: 'boolean' } },
    });
    let ingestToken: string | undefined;
    try {
      ingestToken = ingestTokenFromEnv();
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const server = await start({
      ingestToken,
      dataDir: values['data-dir'] ?? process.env.FLIGHTREC_DATA_DIR ?? DEFAULT_DATA_DIR,
      host: values.host ?? process.env.FLIGHTREC_HOST,
      otlpPort: port(values['otlp-port'] ?? process.env.FLIGHTREC_OTLP_PORT, 4318, 'otlp-port'),
      queryPort: port(values['query-port'] ?? process.env.FLIGHTREC_QUERY_PORT, 8123, 'query-port'),
    });
    const paint = terminalPaint();
    try {
      console.log(`flightrec is up (store: ${server.dataDir})`);
      console.log(`  OTLP/HTTP traces: ${server.otlpUrl}/v1/traces`);
      console.log(`  ClickHouse HTTP:  ${server.queryUrl}\n`);

      // The real path: OpenTelemetry SDK → OTLP/HTTP exporter → this server's receiver → the store.
      const headers = ingestToken ? { Authorization: `Bearer ${ingestToken}` } : undefined;
      // Loaded here, not at the top: the recorders bring the redaction rules, which other commands do without.
      const { init } = await import('../../instrumentation/init.ts');
      const { replay } = await import('../../workload/replay.ts');
      const { scenarios } = await import('../../workload/scenarios.ts');
      const fr = init({ serviceName: 'acme-agents', endpoint: `${server.otlpUrl}/v1/traces`, headers });
      const started = Date.now();
      const sessions = replay(fr.tracer, scenarios);
      await fr.shutdown();
      const sent = sessions.reduce((n, s) => n + s.spans, 0);
      const stored = await countSpans(server, sessions);
      const agents = new Set(sessions.map((s) => s.agent)).size;
      console.log(`Replayed ${sessions.length} sessions of ${agents} agents (${sent} spans) through OTLP/HTTP in ${Date.now() - started} ms; ${stored} spans are in the store.`);
      if (stored < sent) console.log(paint('red', `  ${sent - stored} spans did not arrive; the findings below may be incomplete.`));

      const earliest = Math.min(...sessions.map((s) => s.start.getTime()));
      const all = await runDetections(server.client, { from: new Date(earliest - 60_000), to: new Date(Date.now() + 60_000) });
      const ours = new Set(sessions.map((s) => s.sessionId));
      const findings = all.filter((f) => ours.has(f.sessionId));
      const flagged = new Set(findings.map((f) => f.sessionId));
      console.log(`\n${paint('bold', `flightrec incidents: ${findings.length} findings in ${flagged.size} of ${sessions.length} sessions`)}, most severe first:\n`);
      for (const f of findings) console.log(formatFinding(f, paint) + '\n');
      const clean = sessions.filter((s) => !flagged.has(s.sessionId));
      if (clean.length) console.log(`No findings in ${clean.length} sessions: ${clean.map((s) => s.sessionId).join(', ')}`);
      const older = all.length - findings.length;
      if (older > 0) console.log(`(${older} more findings in this store come from earlier runs.)`);

      console.log(`\n${paint('bold', 'Next, in another terminal while this runs:')}`);
      for (const c of nextCommands(findings, sessions, server.queryUrl)) console.log(`  ${c}`);

      if (values.exit) return 0;
      console.log(`\nflightrec keeps serving: send your own agent's spans to ${server.otlpUrl} (OTEL_EXPORTER_OTLP_ENDPOINT). Ctrl-C to stop.`);
      await waitForStopSignal();
      console.log('stopping: writing queued spans…');
      return 0;
    } finally {
      await server.close();
    }
  },
};
