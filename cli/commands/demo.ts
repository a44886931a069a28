import { parseArgs } from 'node:util';
import { startEmbeddedServer } from '../../server/embedded-server.ts';
import { init } from '../../instrumentation/init.ts';
import { wrapTool } from '../../instrumentation/wrap-tool.ts';
import { findSavedQuery } from '../../review/saved-queries.ts';
import { runSavedQuery } from '../../review/run-query.ts';
import { DEFAULT_DATA_DIR } from '../connect.ts';
import { formatRows } from '../format-rows.ts';
import type { Command } from '../command.ts';

export const demo: Command = {
  name: 'demo',
  summary: 'start the embedded server, record a sample agent through the real OTLP path, and show its timeline',
  usage: 'flightrec demo [--data-dir DIR] [--exit]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, exit: { type: 'boolean' } } });
    const server = await startEmbeddedServer({ dataDir: values['data-dir'] ?? DEFAULT_DATA_DIR, otlpPort: 4318, queryPort: 8123 });
    const fr = init({ serviceName: 'demo-agent', agentName: 'demo-agent', endpoint: `${server.otlpUrl}/v1/traces` });
    const readInbox = wrapTool(async (folder: string) => [`3 messages in ${folder}`], { name: 'read_inbox', tracer: fr.tracer });
    const traceId = await fr.tracer.startActiveSpan('invoke_agent demo-agent', async (span) => {
      await readInbox('INBOX');
      span.end();
      return span.spanContext().traceId;
    });
    await fr.shutdown();
    const rows = await runSavedQuery(server.client, findSavedQuery('session_timeline'), { session: traceId });
    process.stdout.write(formatRows(rows.map(({ Timestamp, SpanName, Record, Tool, DurationMs }) => ({ Timestamp, SpanName, Record, Tool, DurationMs })), 'table'));
    console.log(`\nTry, in another terminal while this runs:\n  npm run flightrec -- query session_timeline --param session=${traceId}`);
    if (values.exit) {
      await server.close();
      return 0;
    }
    console.log(`\nflightrec is up: OTLP ${server.otlpUrl}/v1/traces, ClickHouse HTTP ${server.queryUrl}. Ctrl-C to stop.`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await server.close();
    return 0;
  },
};
