/**
 * TOUCHED: a message the agent sends (email, chat, webhook) — effect `send`, channel, recipients,
 * target, risk, reversibility (a sent message usually cannot be unsent), idempotency key, outcome;
 * the body hashed always and captured only as the capture mode allows.
 */
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { contentText, sha256Hex } from './canonical-hash.ts';
import { captureContent } from './content-capture.ts';
import { runRecorded, startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { Flightrec, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds, type Outcome, type Risk } from './semconv.ts';
import { toolSpec } from './settings.ts';
import { contain } from './telemetry-errors.ts';

export interface MessageSendInfo {
  /** email, slack, sms, webhook, … */
  readonly channel: string;
  readonly recipients?: readonly string[];
  readonly content?: unknown;
  readonly targetSystem?: string;
  readonly targetResource?: string;
  readonly idempotencyKey?: string;
  /** Defaults from a catalogue entry named `send_message:<channel>` if any, else medium / not reversible. */
  readonly risk?: Risk;
  readonly reversible?: boolean;
}

export interface MessageSendHandle extends HasContext {
  readonly span: Span;
  end(result?: unknown, opts?: { outcome?: Outcome }): void;
  fail(error: unknown, opts?: { outcome?: Outcome }): void;
}

function sendAttributes(info: MessageSendInfo): Attributes {
  const spec = toolSpec(`send_message:${info.channel}`);
  const a: Attributes = {
    [Flightrec.record]: RecordKind.touched,
    [Flightrec.step]: StepKinds.send,
    [Flightrec.effect]: 'send',
    [Flightrec.channel]: info.channel,
    [Flightrec.risk]: info.risk ?? spec?.risk ?? 'medium',
    [Flightrec.reversible]: info.reversible ?? spec?.reversible ?? false,
    [OpenInference.spanKind]: OpenInferenceSpanKinds.tool,
  };
  const system = info.targetSystem ?? spec?.targetSystem;
  if (system) a[Flightrec.targetSystem] = system;
  if (info.targetResource) a[Flightrec.targetResource] = info.targetResource;
  if (info.recipients) a[Flightrec.messageRecipients] = [...info.recipients];
  if (info.idempotencyKey) a[Flightrec.idempotencyKey] = info.idempotencyKey;
  if (info.content !== undefined) {
    const text = contain('send.serialise', () => contentText(info.content), undefined);
    if (text !== undefined) {
      a[Flightrec.contentSha256] = sha256Hex(text);
      a[Flightrec.contentSize] = Buffer.byteLength(text, 'utf8');
    }
    Object.assign(a, captureContent({ content: OpenInference.inputValue }, info.content));
  }
  return a;
}

export function startMessageSend(info: MessageSendInfo, opts: RecordingOptions = {}): MessageSendHandle {
  const rec = startRecording(`send_message ${info.channel}`, () => sendAttributes(info), { kind: SpanKind.CLIENT, ...opts });
  return {
    span: rec.span,
    context: rec.context,
    end: (_result, o) => rec.finish({ [Flightrec.outcome]: o?.outcome ?? 'ok' }),
    fail: (error, o) => rec.fail(error, { [Flightrec.outcome]: o?.outcome ?? 'error' }),
  };
}

export interface WrapMessageSendOptions<A extends unknown[], R> extends RecordingOptions, Omit<MessageSendInfo, 'recipients' | 'content' | 'idempotencyKey' | 'targetResource'> {
  readonly recipients?: (...args: A) => readonly string[] | undefined;
  readonly content?: (...args: A) => unknown;
  readonly idempotencyKey?: (...args: A) => string | undefined;
  readonly targetResource?: (...args: A) => string | undefined;
  readonly outcome?: (result: Awaited<R>) => Outcome;
}

/** Wrap a send function: same types, same result object and errors. */
export function wrapMessageSend<A extends unknown[], R>(fn: (...args: A) => R, opts: WrapMessageSendOptions<A, R>): (...args: A) => R {
  return function wrappedSend(this: unknown, ...args: A): R {
    const info: MessageSendInfo = {
      channel: opts.channel,
      risk: opts.risk,
      reversible: opts.reversible,
      targetSystem: opts.targetSystem,
      recipients: opts.recipients ? contain('send.recipients', () => opts.recipients!(...args), undefined) : undefined,
      content: opts.content ? contain('send.content', () => opts.content!(...args), undefined) : undefined,
      idempotencyKey: opts.idempotencyKey ? contain('send.idempotencyKey', () => opts.idempotencyKey!(...args), undefined) : undefined,
      targetResource: opts.targetResource ? contain('send.targetResource', () => opts.targetResource!(...args), undefined) : undefined,
    };
    const rec = startRecording(`send_message ${opts.channel}`, () => sendAttributes(info), { kind: SpanKind.CLIENT, tracer: opts.tracer, parent: opts.parent, startTime: opts.startTime });
    return runRecorded(rec, () => fn.apply(this, args), {
      ok: (value) => ({ [Flightrec.outcome]: opts.outcome ? contain('send.outcome', () => opts.outcome!(value as Awaited<R>), 'unknown' as Outcome) : 'ok' }),
      error: () => ({ [Flightrec.outcome]: 'error' }),
    });
  };
}
