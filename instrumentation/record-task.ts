/**
 * Tasks: a task id, its declared steps, each step's state, and a completion state that only the
 * caller sets. flightrec never infers "complete" from a model saying so: a task that ends without
 * `complete(...)` is recorded as `unknown`, and `verified_complete` needs a named verifier.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { runRecorded, startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { Flightrec, GenAIEvaluation, GenAIEvents, OpenInference, OpenInferenceSpanKinds, StepKinds, type StepState, type TaskCompletion } from './semconv.ts';
import { contain } from './telemetry-errors.ts';

export interface TaskInfo {
  readonly id: string;
  readonly name?: string;
  /** The steps the task declares up front, in order. */
  readonly steps?: readonly string[];
}

export type CompletionReport =
  | { readonly completion: 'verified_complete'; /** Who or what verified it: a person, a check, a test. */ readonly verifiedBy: string }
  | { readonly completion: Exclude<TaskCompletion, 'verified_complete'>; readonly verifiedBy?: string };

export interface TaskStepHandle extends HasContext {
  readonly span: Span;
  /** The step ended in this state (completed unless given). */
  end(state?: StepState): void;
  fail(error: unknown): void;
}

export interface TaskHandle extends HasContext {
  readonly span: Span;
  readonly info: TaskInfo;
  /** Start a step; its span is a child of the task's. */
  step(name: string, opts?: RecordingOptions): TaskStepHandle;
  /** Record the caller's verified completion state; the last report before `end` wins. */
  complete(report: CompletionReport): void;
  /** End the task span; completion is whatever `complete` reported, else `unknown`. */
  end(): void;
  fail(error: unknown): void;
}

function taskAttributes(info: TaskInfo): Attributes {
  const a: Attributes = {
    [Flightrec.step]: StepKinds.task,
    [Flightrec.taskId]: info.id,
    [OpenInference.spanKind]: OpenInferenceSpanKinds.chain,
  };
  if (info.name) a[Flightrec.taskName] = info.name;
  if (info.steps) a[Flightrec.taskSteps] = [...info.steps];
  return a;
}

export function startTask(info: TaskInfo, opts: RecordingOptions = {}): TaskHandle {
  const rec = startRecording(`task ${info.name ?? info.id}`, () => taskAttributes(info), opts);
  let report: CompletionReport | undefined;
  const completionAttrs = (): Attributes => {
    const a: Attributes = { [Flightrec.taskCompletion]: report?.completion ?? 'unknown' };
    if (report?.verifiedBy) a[Flightrec.taskVerifiedBy] = report.verifiedBy;
    return a;
  };
  const handle: TaskHandle = {
    span: rec.span,
    context: rec.context,
    info,
    step(name, stepOpts = {}) {
      return startTaskStep(handle, name, stepOpts);
    },
    complete(r) {
      // A verified_complete without a verifier is not verified: record it as unknown.
      report = r.completion === 'verified_complete' && !r.verifiedBy ? { completion: 'unknown' } : r;
    },
    end: () => {
      // A verified completion is an evaluation in the GenAI conventions' terms: record it as their event too.
      if (report?.verifiedBy) {
        const r = report;
        contain('task.event', () => rec.span.addEvent(GenAIEvents.evaluationResult, { [GenAIEvaluation.name]: 'task_completion', [GenAIEvaluation.scoreLabel]: r.completion, [GenAIEvaluation.explanation]: `verified by ${r.verifiedBy}` }), undefined);
      }
      rec.finish(completionAttrs);
    },
    fail: (error) => rec.fail(error, completionAttrs),
  };
  return handle;
}

function startTaskStep(task: TaskHandle, name: string, opts: RecordingOptions): TaskStepHandle {
  const index = task.info.steps?.indexOf(name) ?? -1;
  const rec = startRecording(`task_step ${name}`, () => {
    const a: Attributes = {
      [Flightrec.step]: StepKinds.taskStep,
      [Flightrec.taskId]: task.info.id,
      [Flightrec.taskStep]: name,
      [Flightrec.taskStepState]: 'running',
      [OpenInference.spanKind]: OpenInferenceSpanKinds.chain,
    };
    if (index >= 0) a[Flightrec.taskStepIndex] = index;
    return a;
  }, { parent: task, ...opts });
  return {
    span: rec.span,
    context: rec.context,
    end: (state = 'completed') => rec.finish({ [Flightrec.taskStepState]: state }),
    fail: (error) => rec.fail(error, { [Flightrec.taskStepState]: 'failed' }),
  };
}

/**
 * Run `fn` as a task. `fn` gets the handle to start steps and report completion; the task span ends
 * when `fn` returns, resolves or throws, and `fn`'s result or error passes through unchanged.
 */
export function withTask<R>(info: TaskInfo, fn: (task: TaskHandle) => R, opts: RecordingOptions = {}): R {
  const task = startTask(info, opts);
  return runRecorded({ context: task.context, finish: () => task.end(), fail: (err) => task.fail(err) }, () => fn(task), { streams: false });
}

/**
 * Run `fn` as a step of `task`: the step is `completed` when `fn` returns or resolves and `failed`
 * when it throws (that is what happened to the step, not a claim about the task).
 */
export function withTaskStep<R>(task: TaskHandle, name: string, fn: () => R, opts: RecordingOptions = {}): R {
  const step = task.step(name, opts);
  return runRecorded({ context: step.context, finish: () => step.end('completed'), fail: (err) => step.fail(err) }, fn, { streams: false });
}
