import { trace } from '@opentelemetry/api';
import { type DestinationStream, pino, type Logger } from 'pino';

/** Where a logged object could carry a credential: pino writes `[redacted]` there. */
const SECRET_PATHS = ['apiKey', '*.apiKey', 'authorization', '*.authorization', '*.headers.authorization', '*.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]', '*.metadata.authorization', '*.metadata["x-api-key"]'];

/** The active span's ids on a log line written inside it (a gRPC call, a consumed event): the line can be found from its trace. */
function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/** Structured JSON logs on stdout (or `destination`), one object per line, with the service name and the active trace on every line; credentials redacted. */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service }, mixin: traceIds, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: SECRET_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
