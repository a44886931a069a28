/**
 * The flightrec OpenClaw plugin entry: a plain definition object (the shape `definePluginEntry`
 * returns), so loading the plugin needs nothing from OpenClaw at run time.
 */
import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import { registerFlightrec } from './register.ts';

const plugin = {
  id: 'flightrec',
  name: 'flightrec',
  description: 'Flight recorder: every run, model call, tool call and message as saw/decided/touched OpenTelemetry spans; optional tool policy.',
  register(api: OpenClawPluginApi): void {
    registerFlightrec(api);
  },
};

export default plugin;
