/**
 * What every Python peer test sets up: its pinned virtual environment, flightrec's embedded server,
 * the scripted OpenAI-compatible model, and a way to run one agent script (python-peers/*.py) for a
 * conversation. The scripts are driven through the environment: OTLP_URL, MODEL_URL, PEER_TURNS,
 * PEER_TOOLS (JSON {name: {description, params}}), PEER_FAILING (JSON list of tools that fail),
 * PEER_SESSION, SERVICE_NAME, plus what a run adds.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { PEER_TOOLS, type BAD_SCRIPT } from '../../support/peer-scenario.ts';
import { byTurnAndToolResults, startScriptedModel, type ScriptedModel } from '../../../tools/scripted-model.ts';
import { startTestServer, type TestServer } from '../../support/embedded.ts';
import { pythonVenv } from './python-venv.ts';

/** The folder of the agent scripts and their requirements files. */
export const PYTHON_PEERS = fileURLToPath(new URL('../python-peers/', import.meta.url));

/** The peer tools that fail when run, and every tool's description for the script. */
const FAILING = Object.entries(PEER_TOOLS).filter(([, s]) => { try { s.run({}); return false; } catch { return true; } }).map(([n]) => n);
const TOOL_SPECS = Object.fromEntries(Object.entries(PEER_TOOLS).map(([n, s]) => [n, { description: s.description, params: s.params }]));

export interface PeerRun {
  /** The agent script in python-peers/, and its arguments. */
  readonly agent: string;
  readonly args?: readonly string[];
  readonly script: typeof BAD_SCRIPT;
  readonly turns: readonly string[];
  readonly service: string;
  /** The conversation id, for scripts that name one ('' for those that do not). */
  readonly session?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface PythonPeer {
  readonly t: TestServer;
  readonly model: ScriptedModel;
  /** Runs the script for one conversation; it must exit 0. */
  run(run: PeerRun): Promise<void>;
  close(): Promise<void>;
}

/** The venv of `requirements` (a file in python-peers/), a started server and a scripted model. */
export async function startPythonPeer(requirements: string): Promise<PythonPeer> {
  const python = pythonVenv(join(PYTHON_PEERS, requirements));
  const t = await startTestServer();
  const model = await startScriptedModel();
  return {
    t,
    model,
    async run(r) {
      model.setScript(r.script, { pick: byTurnAndToolResults, json: true });
      const child = spawn(python, [join(PYTHON_PEERS, r.agent), ...(r.args ?? [])], {
        env: {
          ...process.env, OTLP_URL: `${t.server.otlpUrl}/v1/traces`, MODEL_URL: model.baseUrl, PEER_TURNS: JSON.stringify(r.turns), PEER_TOOLS: JSON.stringify(TOOL_SPECS),
          PEER_FAILING: JSON.stringify(FAILING), PEER_SESSION: r.session ?? '', SERVICE_NAME: r.service, ...r.env,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      expect(await new Promise<number | null>((res) => child.on('exit', res)), `${r.agent} exit code`).toBe(0);
    },
    async close() {
      await model.close();
      await t.stop();
    },
  };
}
