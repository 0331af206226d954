import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCallError } from './model-call.error.js';
import { OpenAiModel } from './openai-model.js';
import { ReferenceModel } from './reference-model.js';
import { UnknownRoleError } from './unknown-role.error.js';

/** A real OpenAI-compatible HTTP server on loopback, scripted per test. */
describe('OpenAiModel against a local OpenAI-compatible server', () => {
  let server: Server;
  let baseUrl = '';
  let handler: (body: Record<string, unknown>, request: IncomingMessage) => { status: number; body: unknown; delayMs?: number };
  const received: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      let raw = '';
      for await (const chunk of request) raw += chunk;
      const body = JSON.parse(raw) as Record<string, unknown>;
      received.push({ ...body, authorization: request.headers.authorization, path: request.url });
      const reply = handler(body, request);
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const completion = (content: string) => ({ status: 200, body: { model: 'served-model', choices: [{ message: { content } }], usage: { prompt_tokens: 12, completion_tokens: 3 } } });

  it('sends the prompt and reads text and usage', async () => {
    handler = () => completion('{"intents":["greet"]}');
    const model = new OpenAiModel({ baseUrl, model: 'teacher', apiKey: 'secret' });
    const out = await model.complete({ role: 'understander', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], json: true, maxTokens: 64 });
    expect(out).toMatchObject({ text: '{"intents":["greet"]}', backend: 'openai', model: 'served-model', inputTokens: 12, outputTokens: 3, tokensEstimated: false });
    expect(received.at(-1)).toMatchObject({ model: 'teacher', max_tokens: 64, response_format: { type: 'json_object' }, authorization: 'Bearer secret', path: '/v1/chat/completions' });
  });

  it('retries 429 and 5xx, then succeeds', async () => {
    let calls = 0;
    handler = () => (++calls < 3 ? { status: calls === 1 ? 429 : 503, body: { error: 'busy' } } : completion('ok'));
    const out = await new OpenAiModel({ baseUrl, model: 'teacher', retries: 3 }).complete({ role: 'judge', messages: [{ role: 'user', content: 'x' }] });
    expect(out.text).toBe('ok');
    expect(calls).toBe(3);
  });

  it('fails clearly: a 400 is not retried, a slow server times out, a bad body is named', async () => {
    handler = () => ({ status: 400, body: { error: 'bad model' } });
    await expect(new OpenAiModel({ baseUrl, model: 'teacher' }).complete({ role: 'judge', messages: [] })).rejects.toThrow(/\(http 400\).*bad model/);
    handler = () => ({ ...completion('late'), delayMs: 500 });
    await expect(new OpenAiModel({ baseUrl, model: 'teacher', timeoutMs: 100, retries: 0 }).complete({ role: 'judge', messages: [] })).rejects.toThrow(/timeout/);
    handler = () => ({ status: 200, body: { choices: [] } });
    const error = await new OpenAiModel({ baseUrl, model: 'teacher' }).complete({ role: 'judge', messages: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).reason).toBe('bad-response');
  });

  it('names an unreachable endpoint', async () => {
    await expect(new OpenAiModel({ baseUrl: 'http://127.0.0.1:1/v1', model: 'x', retries: 0 }).complete({ role: 'judge', messages: [] })).rejects.toThrow(/network.*127\.0\.0\.1:1/);
  });
});

describe('ReferenceModel', () => {
  it('plays the role asked for and estimates tokens', async () => {
    const model = new ReferenceModel({ planner: (request) => `return dealershipInfo({}); // ${request.messages.length}` });
    const out = await model.complete({ role: 'planner', messages: [{ role: 'user', content: 'when are you open?' }] });
    expect(out).toMatchObject({ text: 'return dealershipInfo({}); // 1', backend: 'reference', tokensEstimated: true });
    expect(out.inputTokens).toBeGreaterThan(0);
    await expect(model.complete({ role: 'judge', messages: [] })).rejects.toBeInstanceOf(UnknownRoleError);
  });
});
