import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import type { EmbeddedBus } from '@distillery/bus';
import { curatorService } from '@distillery/curator';
import { judgeService } from '@distillery/judge';
import { AgentsClient } from '@distillery/proto';
import { captureSpans, freePort, type RunningApp, SpanKind, startApp, tracer } from '@distillery/service-kit';
import { apiFetch, eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];

/**
 * One trace from a product app's gRPC call to the dataset that used its turn, embedded (the
 * in-process bus carries the same headers as Kafka): the agents' SERVER span continues the caller's
 * traceparent, the traces.raw event carries the turn's span, the judge's CONSUMER span continues
 * it, traces.refined carries the judge's, the curator's batch span links to it, and the dataset's
 * build span links to the turn's trace and goes on in datasets.ready.
 */
describe('tracing across agents → traces.raw → judge → traces.refined → curator → dataset', () => {
  let app: RunningApp;
  let dataDir: string;
  let client: AgentsClient;
  const capture = captureSpans();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-tracing-'));
    const port = await freePort();
    app = await startApp([agentsService, judgeService, curatorService], {
      name: 'distillery',
      defaultPort: 0,
      env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: String(port), DISTILLERY_AGENTS_API_KEYS: 'shop-key:shop' },
    });
    client = new AgentsClient({ address: `127.0.0.1:${port}`, apiKey: 'shop-key', timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    capture.stop();
    client?.close();
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('carries the caller\'s trace id to the judge, the curator and the dataset build, and datasets.ready carries the build\'s', async () => {
    const { traceId, sessionId } = await tracer.startActiveSpan('product app: a customer asks', { kind: SpanKind.CLIENT }, async (span) => {
      try {
        const session = await client.createSession({ customerRef: 'c-trace', locale: 'en-US', source: 'PRODUCTION' });
        await client.sendMessage({ sessionId: session.sessionId, text: 'What are your opening hours on Saturday?' });
        return { traceId: span.spanContext().traceId, sessionId: session.sessionId };
      } finally {
        span.end();
      }
    });
    const { dataSource } = app.platform.database;
    await eventually(async () => ((await dataSource.query('SELECT 1 FROM curator.refined_turns WHERE conversation_id = $1', [sessionId])) as unknown[]).length > 0, 'the turn stored by the curator');
    const [stored] = (await dataSource.query('SELECT trace_context FROM curator.refined_turns WHERE conversation_id = $1', [sessionId])) as Array<{ trace_context: string }>;
    expect(traceIdOf(stored!.trace_context)).toBe(traceId);

    const built = await apiFetch(`${app.url}/curator/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }) });
    expect(built.status).toBe(201);
    await eventually(() => capture.spans().some((span) => span.name === 'curator build dataset'), 'the build span');

    const spans = capture.spans();
    const named = (name: string) => spans.filter((span) => span.name === name);
    const inTrace = (name: string) => named(name).filter((span) => span.spanContext().traceId === traceId);
    expect(inTrace('distillery.agents.v1.AgentService/SendMessage')).toHaveLength(1);
    expect(inTrace('distillery.agents.v1.AgentService/SendMessage')[0]!.kind).toBe(SpanKind.SERVER);
    const judged = inTrace('traces.raw process');
    expect(judged.length).toBeGreaterThanOrEqual(1);
    expect(judged[0]!.kind).toBe(SpanKind.CONSUMER);
    expect(judged[0]!.attributes['messaging.consumer.group.name']).toBe('judge');
    expect(named('traces.refined process').some((span) => span.links.some((link) => link.context.traceId === traceId))).toBe(true);
    const [build] = named('curator build dataset');
    expect(build!.links.map((link) => link.context.traceId)).toContain(traceId);

    const ready = (app.platform.bus as EmbeddedBus).read('datasets.ready');
    expect(ready).toHaveLength(1);
    expect(traceIdOf(ready[0]!.headers.traceparent)).toBe(build!.spanContext().traceId);
    // No credential reaches a span.
    expect(JSON.stringify(spans.map((span) => span.attributes))).not.toMatch(/shop-key|dev-key/);
  }, 120_000);
});
