import { context, propagation } from '@opentelemetry/api';

/**
 * The W3C trace context of the active span (`traceparent`, `tracestate`), for an event's headers
 * or a call's metadata: a consumer's span continues the producer's trace. Empty when the process
 * has no tracing installed or no span is active.
 */
export function activeTraceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}
