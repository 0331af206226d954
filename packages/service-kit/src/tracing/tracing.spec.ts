import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../platform-config.js';
import { installTracing, tracer } from './tracing.js';

describe('tracing', () => {
  it('exports spans over OTLP/HTTP to DISTILLERY_OTLP_TRACES_URL', async () => {
    const posts: Array<{ url: string; type: string; bytes: number; body: string }> = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        posts.push({ url: request.url ?? '', type: String(request.headers['content-type']), bytes: body.length, body: body.toString('latin1') });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    try {
      const config = loadPlatformConfig({ DISTILLERY_OTLP_TRACES_URL: url });
      const flush = installTracing({ serviceName: 'otlp-spec', otlpTracesUrl: config.DISTILLERY_OTLP_TRACES_URL });
      tracer.startActiveSpan('exported-span-name', (span) => span.end());
      await flush();
      expect(posts.length).toBeGreaterThanOrEqual(1);
      expect(posts[0]!.url).toBe('/v1/traces');
      expect(posts.some((post) => post.body.includes('exported-span-name') && post.body.includes('otlp-spec'))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('refuses an OTLP URL that is not http(s), naming the variable', () => {
    expect(() => loadPlatformConfig({ DISTILLERY_OTLP_TRACES_URL: 'collector:4318' })).toThrow(/DISTILLERY_OTLP_TRACES_URL/);
  });
});
