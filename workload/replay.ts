/**
 * Replays scenarios through flightrec's own recorders (instrumentation/record-*.ts), as an
 * instrumented agent runtime would call them, on whatever tracer it is given (in the demo, the one
 * `init()` sets up with its OTLP/HTTP exporter). Times come from the script (scripted-clock.ts), so
 * a session that "ran" 40 minutes ago is recorded as such.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api';
import { startAgentInvocation } from '../instrumentation/record-agent.ts';
import { startApproval } from '../instrumentation/record-approval.ts';
import { recordInbound, recordSeen } from '../instrumentation/record-context.ts';
import { startModelCall } from '../instrumentation/record-model.ts';
import { startPolicyCheck } from '../instrumentation/record-policy.ts';
import { startTask, type TaskHandle } from '../instrumentation/record-task.ts';
import { startToolCall } from '../instrumentation/record-tool.ts';
import type { HasContext, RecordingOptions } from '../instrumentation/recording.ts';
import type { DetectionName, Scenario, SpanSpec } from './scenario.ts';
import { scriptedClockTracer, type ScriptedClock } from './scripted-clock.ts';

export interface ReplayedSession {
  readonly key: string;
  readonly title: string;
  readonly agent: string;
  readonly sessionId: string;
  readonly traceIds: readonly string[];
  readonly start: Date;
  readonly expect: readonly DetectionName[];
  readonly spans: number;
}

export interface ReplayOptions {
  /** The instant scenario offsets count back from; defaults to now. */
  readonly now?: Date;
  /** Appended to every session id so replays never collide; random unless given. */
  readonly runTag?: string;
}

/** What every recorder's handle offers: its context for children, and the two ways to end. */
interface Step extends HasContext {
  end(): void;
  fail(err: Error): void;
}

/** A scripted failure: the error a runtime would have caught, without a stack from this replayer. */
function scriptedError(message: string): Error {
  const err = new Error(message);
  err.name = 'ToolError';
  Object.defineProperty(err, 'stack', { value: undefined });
  return err;
}

interface Session {
  readonly conversationId: string;
  readonly clock: ScriptedClock;
  readonly tracer: Tracer;
  readonly start: number;
}

/** Starts the recorder the spec names, at the clock's time, under `parent`. */
function start(spec: SpanSpec, session: Session, parent: HasContext, task: TaskHandle | undefined): Step & { readonly task?: TaskHandle } {
  const opts: RecordingOptions = { tracer: session.tracer, parent };
  const c = spec.call;
  switch (c.recorder) {
    case 'agent':
      return startAgentInvocation({ agentName: c.agentName, conversationId: session.conversationId }, opts);
    case 'inbound':
    case 'seen': {
      const record = c.recorder === 'inbound' ? recordInbound : recordSeen;
      const producedAt = new Date(session.clock.now - (spec.contentAgeMs ?? 0));
      const h = record({ ...c.source, content: c.content, producedAt }, opts);
      return { context: h.context, end: () => undefined, fail: () => undefined };
    }
    case 'model': {
      const h = startModelCall(c.call, opts);
      return { context: h.context, end: () => h.end(c.result), fail: (err) => h.fail(err) };
    }
    case 'policy': {
      const h = startPolicyCheck(c.check, opts);
      return { context: h.context, end: () => h.end(c.decision), fail: (err) => h.fail(err) };
    }
    case 'approval': {
      const h = startApproval(c.request, opts);
      return { context: h.context, end: () => h.end(c.outcome), fail: (err) => h.fail(err) };
    }
    case 'tool': {
      const h = startToolCall(c.call, opts);
      return { context: h.context, end: () => h.end(undefined, { outcome: c.outcome }), fail: (err) => h.fail(err, { outcome: c.outcome }) };
    }
    case 'task': {
      const h = startTask(c.info, opts);
      return {
        task: h,
        context: h.context,
        end: () => {
          h.complete(c.report);
          h.end();
        },
        fail: (err) => {
          h.complete(c.report);
          h.fail(err);
        },
      };
    }
    case 'task_step': {
      if (task?.info.id !== c.taskId) throw new Error(`task step ${c.step} of ${c.taskId} is not nested under that task`);
      const h = task.step(c.step, { tracer: session.tracer });
      return { context: h.context, end: () => h.end(c.state), fail: (err) => h.fail(err) };
    }
  }
}

const ROOT: HasContext = { context: ROOT_CONTEXT };

function play(spec: SpanSpec, session: Session, parent: HasContext, task: TaskHandle | undefined): Step {
  session.clock.now = session.start + spec.at;
  const step = start(spec, session, parent, task);
  for (const child of spec.children ?? []) play(child, session, step, step.task ?? task);
  session.clock.now = session.start + spec.at + spec.ms;
  if (spec.error) step.fail(scriptedError(spec.error));
  else step.end();
  return step;
}

export function replay(tracer: Tracer, scenarios: readonly Scenario[], opts: ReplayOptions = {}): ReplayedSession[] {
  const now = (opts.now ?? new Date()).getTime();
  const tag = opts.runTag ?? randomBytes(3).toString('hex');
  return scenarios.map((s) => {
    const sessionId = `${s.key}-${tag}`;
    const start = now - s.minutesAgo * 60_000;
    const clock: ScriptedClock = { now: start };
    const scripted = scriptedClockTracer(tracer, clock);
    const session: Session = { conversationId: sessionId, clock, tracer: scripted, start };
    // Each turn is a root, whatever is active where replay() is called.
    const traceIds = s.turns.map((t) => trace.getSpanContext(play(t, session, ROOT, undefined).context)?.traceId ?? '');
    return { key: s.key, title: s.title, agent: s.agent, sessionId, traceIds, start: new Date(start), expect: s.expect, spans: scripted.started };
  });
}
