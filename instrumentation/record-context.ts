/**
 * SAW: what entered the agent's context — inbound messages, retrievals, memory, files, web pages,
 * tool results read back — with source kind, trust, sensitivity, the SHA-256 of the content, when
 * the content was produced (to find stale context) and a reference when the content is stored apart.
 */
import type { Attributes, Span } from '@opentelemetry/api';
import { contentText, sha256Hex } from './canonical-hash.ts';
import { captureContent } from './content-capture.ts';
import { runRecorded, startRecording, type HasContext, type RecordingOptions } from './recording.ts';
import { Flightrec, GenAI, GenAIOperation, OpenInference, OpenInferenceSpanKinds, RecordKind, StepKinds, type Sensitivity, type SourceKind, type Trust } from './semconv.ts';
import { contain } from './telemetry-errors.ts';

export interface SourceInfo {
  readonly source: SourceKind;
  readonly trust: Trust;
  readonly sensitivity?: Sensitivity;
  /** Where it came from: a URL, file path, collection name, channel id. */
  readonly uri?: string;
  /** A short name for the span: the retriever, the memory store, the channel. */
  readonly name?: string;
  readonly channel?: string;
  /** Who sent it (inbound messages). */
  readonly actor?: string;
}

export interface SeenContent {
  /** The content itself: hashed always; captured only as the capture mode allows. */
  readonly content?: unknown;
  /** When the content was produced/last modified. */
  readonly producedAt?: Date | string | number;
  /** Id of the content where it is stored apart (blob store, message store). */
  readonly contentRef?: string;
}

export interface ContextLoadHandle extends HasContext {
  readonly span: Span;
  end(seen?: SeenContent): void;
  fail(error: unknown): void;
}

function isoTime(t: Date | string | number): string {
  if (t instanceof Date) return t.toISOString();
  if (typeof t === 'number') return new Date(t).toISOString();
  return t;
}

function sourceAttributes(info: SourceInfo, step: string): Attributes {
  const a: Attributes = {
    [Flightrec.record]: RecordKind.saw,
    [Flightrec.step]: step,
    [Flightrec.sourceKind]: info.source,
    [Flightrec.sourceTrust]: info.trust,
  };
  if (info.sensitivity) a[Flightrec.sourceSensitivity] = info.sensitivity;
  if (info.uri) a[Flightrec.sourceUri] = info.uri;
  if (info.channel) a[Flightrec.channel] = info.channel;
  if (info.actor) a[Flightrec.actor] = info.actor;
  if (info.source === 'retrieval') {
    a[GenAI.operationName] = GenAIOperation.retrieval;
    a[OpenInference.spanKind] = OpenInferenceSpanKinds.retriever;
  } else {
    a[OpenInference.spanKind] = OpenInferenceSpanKinds.chain;
  }
  return a;
}

export function seenAttributes(seen: SeenContent | undefined): Attributes {
  if (!seen) return {};
  const a: Attributes = {};
  if (seen.content !== undefined) {
    const text = contain('saw.serialise', () => contentText(seen.content), undefined);
    if (text !== undefined) {
      a[Flightrec.contentSha256] = sha256Hex(text);
      a[Flightrec.contentSize] = Buffer.byteLength(text, 'utf8');
    }
    // The content itself, as the mode allows; GenAI has no key for context, OpenInference's input.value fits.
    Object.assign(a, captureContent({ content: OpenInference.inputValue }, seen.content));
  }
  if (seen.producedAt !== undefined) {
    const t = contain('saw.producedAt', () => isoTime(seen.producedAt!), undefined);
    if (t) a[Flightrec.contentProducedAt] = t;
  }
  if (seen.contentRef) a[Flightrec.contentRef] = seen.contentRef;
  return a;
}

function spanName(info: SourceInfo, fallback: string): string {
  return `${fallback} ${info.name ?? info.channel ?? info.source}`;
}

/** An inbound message (user, channel): recorded at once, as a zero-length span. */
export function recordInbound(info: SourceInfo & SeenContent, opts: RecordingOptions = {}): HasContext & { readonly span: Span } {
  const rec = startRecording(spanName(info, 'message_in'), () => ({ ...sourceAttributes(info, StepKinds.messageIn), ...seenAttributes(info) }), opts);
  rec.finish();
  return { span: rec.span, context: rec.context };
}

/** Content that entered the context without a load step of its own (a tool result read back, memory). */
export function recordSeen(info: SourceInfo & SeenContent, opts: RecordingOptions = {}): HasContext & { readonly span: Span } {
  const rec = startRecording(spanName(info, 'context'), () => ({ ...sourceAttributes(info, StepKinds.context), ...seenAttributes(info) }), opts);
  rec.finish();
  return { span: rec.span, context: rec.context };
}

/** Explicit start/end form of a context load (retrieval, file, web fetch). */
export function startContextLoad(info: SourceInfo, opts: RecordingOptions = {}): ContextLoadHandle {
  const rec = startRecording(spanName(info, info.source === 'retrieval' ? GenAIOperation.retrieval : 'context'), () => sourceAttributes(info, StepKinds.context), opts);
  return {
    span: rec.span,
    context: rec.context,
    end: (seen) => rec.finish(() => seenAttributes(seen)),
    fail: (error) => rec.fail(error),
  };
}

export interface WrapContextLoadOptions<A extends unknown[], R> extends SourceInfo, RecordingOptions {
  /** The URI from the call's arguments (a path, a URL, a query's collection). */
  readonly uriFrom?: (...args: A) => string | undefined;
  /** What was seen, from the loader's result; default: the whole result is the content. */
  readonly seen?: (result: Awaited<R>) => SeenContent;
}

/** Wrap a context loader (retriever, memory read, file read): same types, same result object. */
export function wrapContextLoad<A extends unknown[], R>(fn: (...args: A) => R, opts: WrapContextLoadOptions<A, R>): (...args: A) => R {
  return function wrappedContextLoad(this: unknown, ...args: A): R {
    const uri = opts.uriFrom ? contain('context.uri', () => opts.uriFrom!(...args), undefined) : opts.uri;
    const info: SourceInfo = { ...opts, uri };
    const rec = startRecording(spanName(info, info.source === 'retrieval' ? GenAIOperation.retrieval : 'context'), () => sourceAttributes(info, StepKinds.context), opts);
    return runRecorded(rec, () => fn.apply(this, args), {
      ok: (value) => seenAttributes(opts.seen ? contain('context.seen', () => opts.seen!(value as Awaited<R>), undefined) : { content: value }),
    });
  };
}
