import { describe, expect, it } from 'vitest';
import { installTracing, tracer } from '../tracing/tracing.js';
import { createLogger } from './create-logger.js';

describe('createLogger', () => {
  it('writes credentials in headers, metadata and options as [redacted]', () => {
    const lines: string[] = [];
    const logger = createLogger('spec', 'info', { write: (line: string) => void lines.push(line) });
    logger.info({ request: { headers: { authorization: 'Bearer sk-secret-1', 'x-api-key': 'sk-secret-2', accept: 'json' } } }, 'request');
    logger.info({ call: { metadata: { 'x-api-key': 'sk-secret-3' } }, client: { apiKey: 'sk-secret-4', baseUrl: 'http://h' } }, 'call');
    const text = lines.join('');
    expect(text).not.toMatch(/sk-secret/);
    expect(text.match(/\[redacted\]/g)).toHaveLength(4);
    expect(text).toContain('"accept":"json"');
    expect(text).toContain('"baseUrl":"http://h"');
  });

  it('puts the active span\'s trace and span ids on a line written inside it, and none outside', () => {
    installTracing({ serviceName: 'spec' });
    const lines: string[] = [];
    const logger = createLogger('spec', 'info', { write: (line: string) => void lines.push(line) }).child({ component: 'child' });
    const ids = tracer.startActiveSpan('work', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    logger.info('outside');
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId });
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(outside!.trace_id).toBeUndefined();
  });
});
