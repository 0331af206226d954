/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL;
 * `npm test` starts both) and the compute plane (compute/.venv). The loop's second half over the
 * real servers: a student announced on checkpoints.bf16 → the serving service loads it into an
 * engine → the agents on their `serving` backend answer a customer with it → the turn's trace on
 * traces.raw names the backend and the student's version for every model call. The student is
 * SmolLM2-135M-Instruct as packaged (its answers to the agents' prompts are poor; the pipeline's
 * fallbacks handle them — what is tested is the path, not the quality).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { KafkaBus } from '@distillery/bus';
import { computePython } from '@distillery/compute';
import { allTopics, decodeEvent, traceRawContract, type TraceRaw } from '@distillery/contracts';
import { AgentsClient } from '@distillery/proto';
import { announceCheckpoint, ServingLifecycle, servingService } from '@distillery/serving';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { createScratchDatabase, eventually, integrationServers } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servers = integrationServers();

describe.skipIf(!servers || !computePython())('the student behind the agents over Kafka and PostgreSQL', () => {
  const run = randomUUID().slice(0, 8);
  const tenant = `student-${run}`;
  const modelId = `student-loop-${run}`;
  const traces: TraceRaw[] = [];
  let scratch: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let reader: KafkaBus;
  let serving: RunningApp;
  let agents: RunningApp;
  let agentsPort: number;

  beforeAll(async () => {
    scratch = await createScratchDatabase(servers!.databaseUrl);
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-student-agents-'));
    const env = { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: servers!.kafkaBrokers.join(','), DISTILLERY_DATABASE_URL: scratch.url, DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent' };
    reader = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'student-agents-reader' });
    await reader.ensureTopics(allTopics());
    await reader.subscribe({
      groupId: `student-agents-${run}`,
      topics: [traceRawContract.topic],
      handler: async (record) => {
        const event = decodeEvent(traceRawContract, record.value);
        if (event.data.tenant === tenant) traces.push(event.data);
      },
    });
    serving = await startApp([servingService], { name: 'serving', defaultPort: 0, env: { ...env, DISTILLERY_SERVING_BASE: 'smollm2-135m', DISTILLERY_SERVING_GRPC_PORT: '0' } });
    agentsPort = await freePort();
    agents = await startApp([agentsService], {
      name: 'agents',
      defaultPort: 0,
      env: {
        ...env,
        DISTILLERY_AGENTS_GRPC_PORT: String(agentsPort),
        DISTILLERY_AGENTS_API_KEYS: `key-${run}:${tenant}`,
        DISTILLERY_AGENTS_BACKEND: 'serving',
        DISTILLERY_SERVING_URL: `${serving.url}/v1`,
        DISTILLERY_SERVING_MODEL: modelId,
        DISTILLERY_AGENTS_PROMPT_PROFILE: 'compact',
        DISTILLERY_AGENTS_MAX_REPLANS: '1',
      },
    });
  }, 240_000);

  afterAll(async () => {
    await agents?.close();
    await serving?.close();
    await reader?.close();
    await scratch?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('loads the announced student and answers a customer with it; the trace names the student', async () => {
    const version = `${modelId}@ckpt_1`;
    await announceCheckpoint(serving, join(dataDir, 'bases', 'smollm2-135m'), { modelId, checkpointId: 'ckpt_1' });
    const runtime = serving.app.get(ServingLifecycle).runtime;
    await eventually(async () => (await runtime.inference.models()).some((model) => model.id === modelId && model.root === version), `${version} served`, 180_000, 250);

    const client = new AgentsClient({ address: `127.0.0.1:${agentsPort}`, apiKey: `key-${run}`, timeoutMs: 240_000 });
    try {
      const session = await client.createSession({ customerRef: `c-${run}`, locale: 'en-US', source: 'PRODUCTION' });
      const reply = await client.sendMessage({ sessionId: session.sessionId, text: 'Do you have a red SUV under 30000 dollars?' });
      expect(reply.reply.length).toBeGreaterThan(0);
    } finally {
      client.close();
    }
    await eventually(() => traces.length === 1, 'the turn on traces.raw', 60_000);
    const calls = traces[0]!.calls;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) expect([call.agent, call.backend, call.model]).toEqual([call.agent, 'serving', version]);
  });
});
