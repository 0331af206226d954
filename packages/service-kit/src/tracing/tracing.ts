import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, type SpanContext, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type Span as SdkSpan, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** The tracer every distillery span comes from. */
export const tracer = trace.getTracer('distillery');

/** At most this many links on one span (a batch, a dataset built from many turns). */
export const MAX_SPAN_LINKS = 128;

/**
 * Where finished spans go: the OTLP exporter when one is configured, and whatever a test adds
 * (an in-memory exporter). Spans are made whether or not anything exports them, so trace ids
 * travel in Kafka headers and gRPC metadata and show in log lines either way.
 */
class SpanSinks implements SpanProcessor {
  private readonly processors: SpanProcessor[] = [];

  add(processor: SpanProcessor): () => void {
    this.processors.push(processor);
    return () => void this.processors.splice(this.processors.indexOf(processor), 1);
  }

  onStart(span: SdkSpan, parent: Context): void {
    for (const processor of this.processors) processor.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    for (const processor of this.processors) processor.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((processor) => processor.shutdown()));
  }
}

export const spanSinks = new SpanSinks();
let installed: { provider: TracerProvider; exporters: Set<string> } | undefined;

/**
 * Tracing for this process, once: W3C trace context (the `traceparent` header) in and out, spans
 * in async context, and with `otlpTracesUrl` (DISTILLERY_OTLP_TRACES_URL, off by default) an OTLP
 * HTTP exporter. Returns a flush for the drain.
 */
export function installTracing(options: { readonly serviceName: string; readonly otlpTracesUrl?: string | undefined }): () => Promise<void> {
  if (!installed) {
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName }), spanProcessors: [spanSinks] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    installed = { provider, exporters: new Set() };
  }
  const { provider, exporters } = installed;
  if (options.otlpTracesUrl && !exporters.has(options.otlpTracesUrl)) {
    exporters.add(options.otlpTracesUrl);
    spanSinks.add(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.otlpTracesUrl }) }));
  }
  return () => provider.forceFlush();
}

/** The trace context a set of headers or gRPC metadata carries (`traceparent`), as a parent. */
export function contextFromCarrier(carrier: Readonly<Record<string, string | undefined>>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The span context a carrier names, if it names a valid one: for links. */
export function spanContextOf(carrier: Readonly<Record<string, string | undefined>>): SpanContext | undefined {
  const span = trace.getSpanContext(contextFromCarrier(carrier));
  return span && trace.isSpanContextValid(span) ? span : undefined;
}

/**
 * Runs `work` in a new span (child of `parent`, linked to `links`), ended when it settles; a
 * failure is recorded on it and thrown on.
 */
export async function inSpan<T>(
  name: string,
  options: { readonly kind: SpanKind; readonly parent?: Context; readonly links?: readonly SpanContext[]; readonly attributes?: Record<string, string | number | boolean> },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const links = (options.links ?? []).slice(0, MAX_SPAN_LINKS).map((link) => ({ context: link }));
  const span = tracer.startSpan(name, { kind: options.kind, links, ...(options.attributes ? { attributes: options.attributes } : {}) }, options.parent ?? context.active());
  try {
    return await context.with(trace.setSpan(options.parent ?? context.active(), span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error)?.message ?? error) });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };

interface GrpcCall {
  readonly metadata: { getMap(): Record<string, string | Buffer> };
  once?(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * A gRPC service's handlers, each call in a SERVER span `<service>/<method>` whose parent is the
 * caller's `traceparent` metadata: a unary call's span ends with its callback (an error sets its
 * status), a stream's when the stream finishes. What the call does runs in that span's context,
 * so the events it writes carry its trace.
 */
export function tracedGrpcHandlers<H extends object>(service: string, handlers: H): H {
  const traced = Object.entries(handlers).map(([method, handler]) => [
    method,
    (call: GrpcCall, callback?: (error: unknown, value?: unknown) => void) => {
      const carrier = Object.fromEntries(Object.entries(call.metadata.getMap()).map(([key, value]) => [key, String(value)]));
      const parent = contextFromCarrier(carrier);
      const span = tracer.startSpan(`${service}/${method}`, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } }, parent);
      const run = (next: typeof callback) => context.with(trace.setSpan(parent, span), () => (handler as (call: GrpcCall, callback?: typeof next) => void)(call, next));
      if (!callback) {
        let ended = false;
        const end = () => {
          if (!ended) span.end();
          ended = true;
        };
        call.once?.('finish', end);
        call.once?.('close', end);
        return run(undefined);
      }
      return run((error, value) => {
        if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error)?.message ?? error) });
        span.end();
        callback(error, value);
      });
    },
  ]);
  return Object.fromEntries(traced) as H;
}

/** Keeps every span this process ends from now on, in memory, until `stop` (tests, and a look at a run's traces). */
export function captureSpans(): { readonly spans: () => readonly ReadableSpan[]; readonly stop: () => void } {
  const exporter = new InMemorySpanExporter();
  const remove = spanSinks.add(new SimpleSpanProcessor({ exporter }));
  return { spans: () => exporter.getFinishedSpans(), stop: remove };
}
