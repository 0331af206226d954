import { describe, expect, it } from 'vitest';
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
});
