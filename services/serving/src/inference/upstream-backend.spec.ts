/**
 * Gateway mode against a fake OpenAI-compatible upstream (a loopback `node:http` server streaming
 * as vLLM does): UpstreamBackend alone, then the whole service embedded (in-process bus, PGlite)
 * called with the official `openai` client and gRPC. No Python, Kafka or PostgreSQL.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { servingV1, type GenerateResponse__Output } from '@distillery/proto';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { embeddedAppForSuite, errorAnswer, postBody } from '@distillery/testing';
import { credentials, Metadata } from '@grpc/grpc-js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, ModelNotFoundError, OverloadedError, type ServingError, UpstreamError } from '../errors/serving.errors.js';
import { ServingLifecycle } from '../serving-lifecycle.js';
import { servingService } from '../serving.service-definition.js';
import type { InferenceChunk, InferenceRequest } from './inference.types.js';
import { UpstreamBackend } from './upstream-backend.js';

/** The name the upstream answers with: not the one requested, as vLLM's served model name may differ. */
const UPSTREAM_MODEL = 'vllm/student@ckpt_7';

interface FakeUpstream {
  /** e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string;
  /** Every completion request: its path, its authorization header and its body. */
  readonly received: Array<{ path: string | undefined; authorization: string | undefined; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible upstream whose answer the requested model picks: `refuse` (400 naming
 * max_tokens), `missing` (404), `busy` (429, Retry-After 7), `broken` (500), `fails-mid-stream`
 * (an error event after one chunk), `garbled` (a chunk that is not JSON), `stalls` (one chunk,
 * then nothing); any other streams "Hel", "lo", finish_reason length, the usage, `[DONE]`.
 */
async function startFakeUpstream(): Promise<FakeUpstream> {
  const received: FakeUpstream['received'] = [];
  const json = (response: ServerResponse, status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer(async (request, response) => {
    if (request.method === 'GET' && request.url === '/v1/models') return json(response, 200, { object: 'list', data: [{ id: 'student', root: UPSTREAM_MODEL, created: 1_700_000_000 }] });
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const body = JSON.parse(raw) as Record<string, unknown>;
    received.push({ path: request.url, authorization: request.headers.authorization, body });
    switch (body.model) {
      case 'refuse':
        return json(response, 400, { error: { message: 'max_tokens is too large for this model', param: 'max_tokens' } });
      case 'missing':
        return json(response, 404, { error: { message: 'The model `missing` does not exist.' } });
      case 'busy':
        return response.writeHead(429, { 'retry-after': '7' }).end();
      case 'broken':
        return response.writeHead(500).end('engine crashed');
    }
    const chat = request.url === '/v1/chat/completions';
    const choice = (text: string, finish: string | null) => (chat ? { index: 0, delta: { content: text }, finish_reason: finish } : { index: 0, text, finish_reason: finish });
    const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    send({ model: UPSTREAM_MODEL, choices: [choice('Hel', null)] });
    if (body.model === 'stalls') return;
    if (body.model === 'fails-mid-stream') return response.end(`data: ${JSON.stringify({ error: { message: 'engine died' } })}\n\n`);
    if (body.model === 'garbled') return response.end('data: {"choices": [\n\n');
    send({ model: UPSTREAM_MODEL, choices: [choice('lo', null)] });
    send({ model: UPSTREAM_MODEL, choices: [choice('', 'length')] });
    send({ model: UPSTREAM_MODEL, choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } } });
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream?.close());

const chatOf = (model: string): InferenceRequest => ({ model, prompt: { messages: [{ role: 'user', content: 'Hi' }] }, maxTokens: 5, temperature: 0, stop: [] });

async function collect(backend: UpstreamBackend, request: InferenceRequest, signal = new AbortController().signal): Promise<InferenceChunk[]> {
  const chunks: InferenceChunk[] = [];
  for await (const chunk of backend.generate(request, signal)) chunks.push(chunk);
  return chunks;
}

/** What `promise` rejects with (fails the test if it resolves). */
const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (error: unknown) => error,
  );

describe('UpstreamBackend', () => {
  const backend = () => new UpstreamBackend({ baseUrl: `${upstream.baseUrl}/`, apiKey: 'upstream-key' });

  it('streams the upstream’s chat chunks under its model name, then its finish reason and usage', async () => {
    expect(await collect(backend(), chatOf('student'))).toEqual([
      { model: UPSTREAM_MODEL, text: 'Hel', promptTokens: 0, completionTokens: 1, cachedTokens: 0 },
      { model: UPSTREAM_MODEL, text: 'lo', promptTokens: 0, completionTokens: 2, cachedTokens: 0 },
      { model: UPSTREAM_MODEL, text: '', finishReason: 'length', promptTokens: 9, completionTokens: 2, cachedTokens: 4 },
    ]);
  });

  it('sends a chat as a streaming request with the usage asked for and its key', async () => {
    await collect(backend(), { ...chatOf('student'), topP: 0.5, stop: ['END'], seed: 3 });
    expect(upstream.received.at(-1)).toEqual({
      path: '/v1/chat/completions',
      authorization: 'Bearer upstream-key',
      body: { model: 'student', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, temperature: 0, top_p: 0.5, stop: ['END'], seed: 3, stream: true, stream_options: { include_usage: true } },
    });
  });

  it('sends a text prompt to /completions and streams its text', async () => {
    const chunks = await collect(backend(), { model: 'student', prompt: { text: 'Once' }, maxTokens: 5, temperature: 1, stop: [] });
    expect(upstream.received.at(-1)).toMatchObject({ path: '/v1/completions', body: { prompt: 'Once' } });
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('Hello');
  });

  it.each([
    { model: 'refuse', type: InvalidRequestError, status: 400 },
    { model: 'missing', type: ModelNotFoundError, status: 404 },
    { model: 'busy', type: OverloadedError, status: 429 },
    { model: 'broken', type: UpstreamError, status: 502 },
  ])('maps the upstream’s refusal of model $model to an error of status $status', async ({ model, type, status }) => {
    const error = await failureOf(collect(backend(), chatOf(model)));
    expect(error).toBeInstanceOf(type);
    expect((error as ServingError).getStatus()).toBe(status);
  });

  it('keeps what the refusals say: the field at fault, the models served, the Retry-After, the status', async () => {
    const refused = (await failureOf(collect(backend(), chatOf('refuse')))) as InvalidRequestError;
    expect([refused.param, refused.message]).toEqual(['max_tokens', 'max_tokens: max_tokens is too large for this model']);
    expect(((await failureOf(collect(backend(), chatOf('missing')))) as ModelNotFoundError).message).toContain('(served: student)');
    expect(((await failureOf(collect(backend(), chatOf('busy')))) as OverloadedError).retryAfterSeconds).toBe(7);
    expect(((await failureOf(collect(backend(), chatOf('broken')))) as UpstreamError).message).toBe('the upstream answered 500: engine crashed');
  });

  it('fails with UpstreamError (502) when the upstream cannot be reached', async () => {
    const closed = await startFakeUpstream();
    await closed.close();
    const unreachable = new UpstreamBackend({ baseUrl: closed.baseUrl });
    const error = await failureOf(collect(unreachable, chatOf('student')));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).getStatus()).toBe(502);
    expect(await failureOf(unreachable.models())).toBeInstanceOf(UpstreamError);
  });

  it.each([
    ['fails-mid-stream', 'the upstream failed mid-stream: engine died'],
    ['garbled', "the upstream's stream broke off"],
  ])('fails with UpstreamError when the stream of %s breaks after a chunk', async (model, message) => {
    const chunks: InferenceChunk[] = [];
    const error = await failureOf(
      (async () => {
        for await (const chunk of backend().generate(chatOf(model), new AbortController().signal)) chunks.push(chunk);
      })(),
    );
    expect(chunks.map((chunk) => chunk.text)).toEqual(['Hel']);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toContain(message);
  });

  it('stops a stream when its signal is aborted, rejecting with the reason', async () => {
    const controller = new AbortController();
    const error = await failureOf(
      (async () => {
        for await (const _ of backend().generate(chatOf('stalls'), controller.signal)) controller.abort(new Error('the client went away'));
      })(),
    );
    expect((error as Error).message).toBe('the client went away');
  });

  it('lists the upstream’s models', async () => {
    expect(await backend().models()).toEqual([{ id: 'student', root: UPSTREAM_MODEL, format: 'upstream', createdAt: 1_700_000_000_000 }]);
  });
});

describe('the serving service in gateway mode', () => {
  let running: RunningApp | undefined;
  const app = embeddedAppForSuite(async (env) => {
    running = await startApp([servingService], { name: 'serving-gateway-spec', defaultPort: 0, env: { ...env, DISTILLERY_SERVING_UPSTREAM: upstream.baseUrl, DISTILLERY_SERVING_GRPC_PORT: '0' } });
    return running;
  });
  const client = () => new OpenAI({ baseURL: `${app.url}/v1`, apiKey: 'dev-key', maxRetries: 0 });
  const authorized = { authorization: 'Bearer dev-key', 'content-type': 'application/json' };

  /** A refusal in OpenAI's shape: its status and `error` object. */
  async function openAiRefusal(response: Response): Promise<{ status: number; error: { message: string; type: string; param: string | null; code: string | null } }> {
    return { status: response.status, error: ((await response.json()) as { error: { message: string; type: string; param: string | null; code: string | null } }).error };
  }

  /** What a call of the openai client fails with. */
  const apiErrorOf = async (call: Promise<unknown>) => (await failureOf(call)) as InstanceType<typeof OpenAI.APIError>;

  it('answers a chat and a text completion with the upstream’s text, model name and usage', async () => {
    const chat = await client().chat.completions.create({ model: 'student', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 });
    expect(chat.model).toBe(UPSTREAM_MODEL);
    expect(chat.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello' }, finish_reason: 'length' });
    expect(chat.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });

    const text = await client().completions.create({ model: 'student', prompt: 'Once' });
    expect(text.choices[0]!.text).toBe('Hello');
    expect(upstream.received.at(-1)!.body.max_tokens).toBe(16);
  });

  it('streams the upstream’s chunks, then the usage', async () => {
    const stream = await client().chat.completions.create({ model: 'student', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    const models = new Set<string>();
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      models.add(chunk.model);
      usage ??= chunk.usage;
    }
    expect(text).toBe('Hello');
    expect([...models]).toEqual([UPSTREAM_MODEL]);
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } });
  });

  it('passes the upstream’s refusals on in OpenAI’s shape: 400 naming the field, 429 with Retry-After', async () => {
    const refused = await apiErrorOf(client().chat.completions.create({ model: 'refuse', messages: [{ role: 'user', content: 'Hi' }] }));
    expect([refused.status, refused.type, refused.param]).toEqual([400, 'invalid_request_error', 'max_tokens']);
    expect(refused.message).toContain('max_tokens is too large for this model');

    const busy = await apiErrorOf(client().chat.completions.create({ model: 'busy', messages: [{ role: 'user', content: 'Hi' }] }));
    expect([busy.status, busy.type, busy.headers?.get('retry-after')]).toEqual([429, 'rate_limit_error', '7']);
  });

  it('ends a stream the upstream breaks with an error event', async () => {
    const stream = await client().chat.completions.create({ model: 'fails-mid-stream', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    const broken = await failureOf(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('Hel');
    expect((broken as Error).message).toContain('the upstream failed mid-stream: engine died');
  });

  it('answers 401 invalid_api_key to a call without a key', async () => {
    const refusal = await openAiRefusal(await fetch(`${app.url}/v1/models`));
    expect([refusal.status, refusal.error.code]).toEqual([401, 'invalid_api_key']);
  });

  it('answers a malformed JSON body with a 400 in OpenAI’s shape', async () => {
    const refusal = await openAiRefusal(await fetch(`${app.url}/v1/chat/completions`, { method: 'POST', headers: authorized, body: '{"model":' }));
    expect([refusal.status, refusal.error.type]).toEqual([400, 'invalid_request_error']);
  });

  it('answers a body sent as text/plain with a 415 in OpenAI’s shape', async () => {
    const refusal = await openAiRefusal(await postBody(`${app.url}/v1/chat/completions`, '{"model":"student"}', 'text/plain'));
    expect(refusal.status).toBe(415);
    expect(refusal.error.message).toContain('expected a JSON body');
  });

  it('answers an unknown route under /v1 with a 404 in OpenAI’s shape', async () => {
    const refusal = await openAiRefusal(await fetch(`${app.url}/v1/embeddings`, { method: 'POST', headers: authorized, body: '{}' }));
    expect([refusal.status, refusal.error.type]).toEqual([404, 'invalid_request_error']);
    expect(refusal.error.message).toContain('/v1/embeddings');
  });

  it('refuses a rollback with 400: the upstream decides what it serves', async () => {
    const refusal = await errorAnswer(await fetch(`${app.url}/serving/models/student/rollback`, { method: 'POST', headers: authorized }));
    expect(refusal.status).toBe(400);
    expect(refusal.message).toContain('gateway mode');
  });

  it('answers gRPC Generate from the upstream', async () => {
    const grpc = new (servingV1().InferenceService)(`127.0.0.1:${running!.app.get(ServingLifecycle).runtime.grpcPort}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer dev-key');
    try {
      const answer = await new Promise<GenerateResponse__Output>((resolve, reject) =>
        grpc.generate({ model: 'student', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 5 }, metadata, (error, value) => (error ? reject(error) : resolve(value!))),
      );
      expect([answer.model, answer.text, answer.finishReason]).toEqual([UPSTREAM_MODEL, 'Hello', 'length']);
      expect(answer.usage).toMatchObject({ promptTokens: 9, completionTokens: 2, cachedTokens: 4 });
    } finally {
      grpc.close();
    }
  });
});
