import { type ChatCompletionsServer, chatCompletion as completion, startChatCompletionsServer } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCallError } from './model-call.error.js';
import { parseTranscript, renderTranscript } from './model-port.js';
import { OpenAiModel } from './openai-model.js';
import { ReferenceModel } from './reference-model.js';
import { UnknownRoleError } from './unknown-role.error.js';

/** A real OpenAI-compatible HTTP server on loopback, scripted per test. */
describe('OpenAiModel against a local OpenAI-compatible server', () => {
  let server: ChatCompletionsServer;
  let baseUrl = '';
  let received: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = await startChatCompletionsServer();
    baseUrl = server.baseUrl;
    received = server.received;
  });
  afterAll(() => server.close());

  it('sends the prompt and reads text and usage', async () => {
    server.handle(() => completion('{"intents":["greet"]}'));
    const model = new OpenAiModel({ baseUrl, model: 'teacher', apiKey: 'secret' });
    const out = await model.complete({ role: 'understander', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], json: true, maxTokens: 64 });
    expect(out).toMatchObject({ text: '{"intents":["greet"]}', backend: 'openai', model: 'served-model', inputTokens: 12, outputTokens: 3, tokensEstimated: false });
    expect(received.at(-1)).toMatchObject({ model: 'teacher', max_tokens: 64, response_format: { type: 'json_object' }, authorization: 'Bearer secret', path: '/v1/chat/completions' });
    expect(received.at(-1)).not.toHaveProperty('seed');
  });

  it('sends the seed and temperature when asked, for reproducible answers', async () => {
    server.handle(() => completion('{}'));
    await new OpenAiModel({ baseUrl, model: 'judge' }).complete({ role: 'judge', messages: [{ role: 'user', content: 'x' }], seed: 7, temperature: 0 });
    expect(received.at(-1)).toMatchObject({ seed: 7, temperature: 0 });
  });

  it("asks for the request's model over its own, and records the model that answered", async () => {
    const model = new OpenAiModel({ baseUrl, model: 'student-dealership', backend: 'serving' });
    server.handle(() => completion('ok', 'student-dealership@ckpt_abc'));
    const pinned = await model.complete({ role: 'planner', messages: [{ role: 'user', content: 'x' }], model: 'student-dealership@ckpt_abc' });
    expect(received.at(-1)).toMatchObject({ model: 'student-dealership@ckpt_abc' });
    expect(pinned).toMatchObject({ backend: 'serving', model: 'student-dealership@ckpt_abc' });
    // A server that names no model: the call records the one it asked for.
    server.handle(() => ({ status: 200, body: { choices: [{ message: { content: 'ok' } }] } }));
    expect(await model.complete({ role: 'planner', messages: [], model: 'student-dealership@ckpt_abc' })).toMatchObject({ model: 'student-dealership@ckpt_abc' });
    expect(await model.complete({ role: 'planner', messages: [] })).toMatchObject({ model: 'student-dealership' });
    expect(received.at(-1)).toMatchObject({ model: 'student-dealership' });
  });

  it('retries 429 and 5xx, then succeeds', async () => {
    let calls = 0;
    server.handle(() => (++calls < 3 ? { status: calls === 1 ? 429 : 503, body: { error: 'busy' } } : completion('ok')));
    const out = await new OpenAiModel({ baseUrl, model: 'teacher', retries: 3 }).complete({ role: 'judge', messages: [{ role: 'user', content: 'x' }] });
    expect(out.text).toBe('ok');
    expect(calls).toBe(3);
  });

  it('fails clearly: a 400 is not retried, a slow server times out, a bad body is named', async () => {
    server.handle(() => ({ status: 400, body: { error: 'bad model' } }));
    await expect(new OpenAiModel({ baseUrl, model: 'teacher' }).complete({ role: 'judge', messages: [] })).rejects.toThrow(/\(http 400\).*bad model/);
    server.handle(() => ({ ...completion('late'), delayMs: 500 }));
    await expect(new OpenAiModel({ baseUrl, model: 'teacher', timeoutMs: 100, retries: 0 }).complete({ role: 'judge', messages: [] })).rejects.toThrow(/timeout/);
    server.handle(() => ({ status: 200, body: { choices: [] } }));
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

describe('parseTranscript', () => {
  it('gives back the messages renderTranscript recorded, contents with newlines and empty ones included', () => {
    const messages = [
      { role: 'system', content: 'You are the Planner.\n\n## Tools\n- searchInventory(args)' },
      { role: 'user', content: '' },
      { role: 'assistant', content: 'const a = 1;\nreturn { a };\n' },
      { role: 'user', content: 'Customer: hi\nUnderstanding: {"intents":["greeting"]}' },
    ] as const;
    expect(parseTranscript(renderTranscript(messages))).toEqual(messages);
    expect(parseTranscript(renderTranscript([{ role: 'user', content: '' }]))).toEqual([{ role: 'user', content: '' }]);
  });

  it('refuses a text that does not open with a role line', () => {
    expect(parseTranscript('hello\n<|user|>\nhi')).toBeUndefined();
    expect(parseTranscript('')).toBeUndefined();
    expect(parseTranscript('<|tool|>\nx')).toBeUndefined();
  });
});
