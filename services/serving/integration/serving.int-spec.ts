/**
 * Needs the compute plane (compute/.venv, which `npm test` makes; skipped without it), not Kafka or
 * PostgreSQL: the serving service runs embedded (in-process bus, PGlite) with real engine processes
 * serving SmolLM2-135M-Instruct — the packaged base, and the same weights announced as versions of
 * a student on checkpoints.bf16. Called through the official `openai` npm client and gRPC: unary,
 * streaming, abort, bad input, the queue's bound, a hot swap under load, a tampered version refused,
 * rollback, and an engine killed mid-stream.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePython } from '@distillery/compute';
import { servingV1 } from '@distillery/proto';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { eventually } from '@distillery/testing';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateChunk__Output, GenerateResponse__Output } from '@distillery/proto';
import { ServingLifecycle } from '../src/serving-lifecycle.js';
import { servingService } from '../src/serving.service-definition.js';
import { announceCheckpoint, tamper } from '../src/testing/announce-checkpoint.js';

const BASE = 'smollm2-135m';
const STUDENT = 'student-serving-test';
/** Held-out Understander rows for the deploy gate (the metrics' numbers do not matter here: both versions have the same weights). */
const GATE_ROWS = ['any hybrid SUVs under 35k?', 'hi there', 'what are your opening hours?', 'can I book a test drive on Saturday?'].map((utterance, i) => ({
  id: `gate_${i}`,
  agent: 'understander',
  prompt: `<|system|>\nYou are the Understander: reply with one JSON object {"intents": [..], "entities": {..}, "state": {..}, "outOfScope": boolean}.\n<|user|>\n${utterance}`,
  output: JSON.stringify({ intents: [['search_inventory', 'greeting', 'dealership_info', 'schedule_test_drive'][i]], entities: {}, state: {}, outOfScope: false }),
  turnId: `turn_${i}`,
}));

describe.skipIf(!computePython())('the serving service in front of real engines', () => {
  let app: RunningApp;
  let dataDir: string;
  let client: OpenAI;
  const runtime = () => app.app.get(ServingLifecycle).runtime;
  const served = async () => (await runtime().inference.models()).map((model) => `${model.id}->${model.root}`);
  const aliasOf = async (model: string) => (await runtime().inference.models()).find((candidate) => candidate.id === model)?.root;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-serving-'));
    app = await startApp([servingService], {
      name: 'serving-test',
      defaultPort: 0,
      env: {
        DISTILLERY_DATA_DIR: dataDir,
        DISTILLERY_LOG_LEVEL: 'silent',
        DISTILLERY_SERVING_BASE: BASE,
        DISTILLERY_SERVING_GRPC_PORT: '0',
        DISTILLERY_SERVING_MAX_RUNNING: '6',
        DISTILLERY_SERVING_MAX_QUEUED: '6',
        DISTILLERY_SERVING_GATE_ROWS: '2',
        DISTILLERY_SERVING_GATE_MAX_TOKENS: '16',
      },
    });
    client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'dev-key', maxRetries: 0 });
    await eventually(async () => (await aliasOf(BASE)) !== undefined, 'the packaged base served', 120_000, 200);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a chat completion with the version that produced it and its usage', async () => {
    const answer = await client.chat.completions.create({ model: BASE, messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 12, temperature: 0 });
    expect(answer.model).toBe(await aliasOf(BASE));
    expect(answer.model).toMatch(/^smollm2-135m@[0-9a-f]{12}$/);
    expect(answer.choices[0]!.message.content).toMatch(/Paris/);
    expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
    expect(answer.usage!.total_tokens).toBe(answer.usage!.prompt_tokens + answer.usage!.completion_tokens);

    const text = await client.completions.create({ model: BASE, prompt: 'The capital of France is', max_tokens: 4, temperature: 0 });
    expect(text.object).toBe('text_completion');
    expect(text.choices[0]!.text.length).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain(BASE);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const name of ['distillery_serving_requests_total', 'distillery_serving_output_tokens_total', 'distillery_serving_ttft_seconds_count', 'distillery_serving_request_seconds_count']) {
      expect(metrics).toMatch(new RegExp(`^${name}\\{[^}]*version="${answer.model}"[^}]*\\} [1-9]`, 'm'));
    }
  });

  it('streams chunks, then the usage, then data: [DONE]', async () => {
    const stream = await client.chat.completions.create({ model: BASE, messages: [{ role: 'user', content: 'Count to five.' }], max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toMatch(/^(stop|length)$/);
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const raw = await fetch(`${app.url}/v1/completions`, { method: 'POST', headers: { authorization: 'Bearer dev-key', 'content-type': 'application/json' }, body: JSON.stringify({ model: BASE, prompt: 'Hello', max_tokens: 3, stream: true }) });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await raw.text()).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('aborts the completion of a client that goes away: the engine frees it', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: BASE, messages: [{ role: 'user', content: 'Write a long story.' }], max_tokens: 2_000, temperature: 0, stream: true, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsStreaming,
      { signal: controller.signal },
    );
    let chunks = 0;
    for await (const _ of stream) if (++chunks === 3) controller.abort(); // the client ends the stream quietly
    expect(chunks).toBe(3);
    await eventually(async () => (await runtime().router!.health()).every(({ health }) => health?.running === 0 && health.streams === 0), 'the engine to drop the aborted request', 10_000, 100);
  });

  it('refuses bad input with the OpenAI error shape, naming the field', async () => {
    const refusal = async (body: Record<string, unknown>) => {
      try {
        await client.chat.completions.create({ model: BASE, messages: [{ role: 'user', content: 'hi' }], ...body } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      } catch (error) {
        return error as InstanceType<typeof OpenAI.APIError>;
      }
      throw new Error(`accepted ${JSON.stringify(body)}`);
    };
    const unknown = await refusal({ model: 'no-such-model' });
    expect([unknown.status, unknown.code, unknown.param]).toEqual([404, 'model_not_found', 'model']);
    for (const [body, param] of [
      [{ max_tokens: 0 }, 'max_tokens'],
      [{ max_tokens: 10_000_000 }, 'max_tokens'],
      [{ temperature: 'hot' }, 'temperature'],
      [{ messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
      [{ messages: 'hi' }, 'messages'],
      [{ n: 3 }, 'n'],
    ] as const) {
      const error = await refusal(body);
      expect([JSON.stringify(body), error.status, error.param, error.type]).toEqual([JSON.stringify(body), 400, param, 'invalid_request_error']);
      expect(error.message).toContain(param);
    }
    const long = await refusal({ messages: [{ role: 'user', content: 'word '.repeat(9_000) }], max_tokens: 8 });
    expect([long.status, long.code, long.param]).toEqual([400, 'context_length_exceeded', 'messages']);

    const malformed = await fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer dev-key', 'content-type': 'application/json' }, body: '{"model":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const unauthenticated = await fetch(`${app.url}/v1/models`, { headers: { authorization: 'Bearer wrong' } });
    expect([unauthenticated.status, ((await unauthenticated.json()) as { error: { code: string } }).error.code]).toEqual([401, 'invalid_api_key']);
  });

  it('answers 429 with Retry-After beyond the bounded queue, and serves the rest', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${app.url}/v1/completions`, { method: 'POST', headers: { authorization: 'Bearer dev-key', 'content-type': 'application/json' }, body: JSON.stringify({ model: BASE, prompt: 'Once upon a time', max_tokens: 24, ignore_eos: true }) }).then(async (response) => ({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: (await response.json()) as { error?: { type: string } },
        })),
      ),
    );
    const refused = results.filter((result) => result.status === 429);
    expect(results.filter((result) => result.status === 200).length).toBeGreaterThanOrEqual(12); // 6 running + 6 queued
    expect(refused.length).toBeGreaterThan(0);
    for (const result of refused) {
      expect(Number(result.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(result.body.error?.type).toBe('rate_limit_error');
    }
  });

  it('serves gRPC Generate and GenerateStream, and ends a call past its deadline', async () => {
    const grpc = new (servingV1().InferenceService)(`127.0.0.1:${runtime().grpcPort}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer dev-key');
    try {
      const answer = await new Promise<GenerateResponse__Output>((resolve, reject) =>
        grpc.generate({ model: BASE, messages: [{ role: 'user', content: 'What is the capital of France?' }], maxTokens: 12 }, metadata, (error, value) => (error ? reject(error) : resolve(value!))),
      );
      expect(answer.text).toMatch(/Paris/);
      expect(answer.model).toBe(await aliasOf(BASE));
      expect(answer.usage!.completionTokens).toBeGreaterThan(0);

      const chunks: GenerateChunk__Output[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = grpc.generateStream({ model: BASE, prompt: 'One, two, three,', maxTokens: 6 }, metadata);
        call.on('data', (chunk: GenerateChunk__Output) => chunks.push(chunk));
        call.on('error', reject);
        call.on('end', resolve);
      });
      expect(chunks.at(-1)!.finishReason).toMatch(/^(stop|length)$/);
      expect(chunks.at(-1)!.usage!.completionTokens).toBeGreaterThan(0);

      const late = await new Promise<ServiceError>((resolve, reject) =>
        grpc.generate({ model: BASE, prompt: 'Once upon a time', maxTokens: 1_000 }, metadata, { deadline: Date.now() + 300 }, (error) => (error ? resolve(error) : reject(new Error('finished within 300 ms')))),
      );
      expect(late.code).toBe(status.DEADLINE_EXCEEDED);
      const bad = await new Promise<ServiceError>((resolve, reject) => grpc.generate({ model: BASE, prompt: 'x', maxTokens: -1 }, metadata, (error) => (error ? resolve(error) : reject(new Error('accepted')))));
      expect([bad.code, bad.metadata.get('distillery-field')[0]]).toEqual([status.INVALID_ARGUMENT, 'max_tokens']);
      const anonymous = await new Promise<ServiceError>((resolve, reject) => grpc.generate({ model: BASE, prompt: 'x' }, new Metadata(), (error) => (error ? resolve(error) : reject(new Error('accepted')))));
      expect(anonymous.code).toBe(status.UNAUTHENTICATED);
    } finally {
      grpc.close();
    }
  });

  it('switches to a new version under load without failing a request once the deploy gate measured it against the incumbent, refuses a tampered one, rolls back in one call', async () => {
    const baseDir = join(dataDir, 'bases', BASE);
    const v1 = `${STUDENT}@ckpt_1`;
    const v2 = `${STUDENT}@ckpt_2`;
    await announceCheckpoint(app, baseDir, { modelId: STUDENT, checkpointId: 'ckpt_1' });
    await eventually(async () => (await aliasOf(STUDENT)) === v1, `${v1} served (${(await served()).join(', ')})`, 120_000, 200);

    const answered: string[] = [];
    const failures: unknown[] = [];
    let load = true;
    const worker = async () => {
      while (load) {
        try {
          const stream = await client.chat.completions.create({ model: STUDENT, messages: [{ role: 'user', content: 'Recommend a family car.' }], max_tokens: 12, stream: true });
          let model = '';
          for await (const chunk of stream) model = chunk.model;
          answered.push(model);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const workers = Array.from({ length: 3 }, worker);
    await eventually(() => answered.length >= 3, 'answers from the first version', 60_000, 100);
    // The same weights as v1's: the gate decodes its held-out rows on both engines, under the load, and finds v2 no worse.
    await announceCheckpoint(app, baseDir, { modelId: STUDENT, checkpointId: 'ckpt_2' }, {}, GATE_ROWS);
    await eventually(async () => (await aliasOf(STUDENT)) === v2, `${v2} served`, 240_000, 200);
    const gates = (await (await fetch(`${app.url}/serving/gates?model=${STUDENT}`, { headers: { authorization: 'Bearer dev-key' } })).json()) as { gates: Array<{ checkpointId: string; decision: string; incumbent: string | null; evalRows: number; rows: Array<{ agent: string; metric: string; ok: boolean }> }> };
    expect(gates.gates.map((gate) => [gate.checkpointId, gate.decision, gate.incumbent, gate.evalRows])).toEqual([['ckpt_2', 'accepted', v1, 2], ['ckpt_1', 'accepted', null, 0]]);
    expect(gates.gates[0]!.rows.filter((row) => row.agent === 'understander').map((row) => row.metric).sort()).toEqual(['entity_f1', 'intent_accuracy', 'parsed']);
    const switchedAt = answered.length;
    await eventually(() => answered.length >= switchedAt + 3, 'answers after the switch', 60_000, 100);
    load = false;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(new Set(answered)).toEqual(new Set([v1, v2]));
    expect(answered.at(-1)).toBe(v2);

    const { files } = await announceCheckpoint(app, baseDir, { modelId: STUDENT, checkpointId: 'ckpt_3' }, { 'notes.txt': 'version 3' });
    await tamper(app, files['notes.txt']!);
    const catalog = runtime().catalog!;
    await eventually(async () => (await catalog.versions(STUDENT)).find((version) => version.checkpointId === 'ckpt_3')?.refused != null, 'ckpt_3 refused', 60_000, 200);
    expect(await aliasOf(STUDENT)).toBe(v2);
    expect((await client.chat.completions.create({ model: STUDENT, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })).model).toBe(v2);

    const rollback = await fetch(`${app.url}/serving/models/${STUDENT}/rollback`, { method: 'POST', headers: { authorization: 'Bearer dev-key' } });
    expect(await rollback.json()).toEqual({ pinned: v1 });
    await eventually(async () => (await aliasOf(STUDENT)) === v1, `${v1} served again after the rollback`, 120_000, 200);
  }, 480_000);

  it('fails the requests of an engine killed mid-stream with a clear error, restarts it, serves later requests', async () => {
    const version = (await aliasOf(BASE))!;
    const stream = await client.chat.completions.create({ model: BASE, messages: [{ role: 'user', content: 'Write a long story.' }], max_tokens: 2_000, stream: true, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    const failure = (async () => {
      let chunks = 0;
      for await (const _ of stream) {
        if (++chunks === 3) execFileSync('pkill', ['-KILL', '-f', `model-id ${version}`]);
      }
    })();
    await expect(failure).rejects.toThrow(/engine serving .* failed mid-request/);
    await eventually(
      async () => {
        try {
          return (await client.chat.completions.create({ model: BASE, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })).model === version;
        } catch {
          return false;
        }
      },
      'a later request answered by the restarted engine',
      120_000,
      500,
    );
    const registry = (await (await fetch(`${app.url}/serving/models`, { headers: { authorization: 'Bearer dev-key' } })).json()) as { engines: Array<{ version: string; status: string; restarts: number }> };
    expect(registry.engines.find((engine) => engine.version === version)).toMatchObject({ status: 'serving', restarts: 1 });
  });
});
