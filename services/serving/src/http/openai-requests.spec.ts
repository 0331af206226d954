import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors/serving.errors.js';
import { chatCompletionSchema, chatRequestOf, completionRequestOf, completionSchema, parseBody } from './openai-requests.js';

const DEFAULT_MAX_TOKENS = 64;
const hello = [{ role: 'user', content: 'Hello' }];

const chatRequest = (body: unknown) => chatRequestOf(parseBody(chatCompletionSchema, body), DEFAULT_MAX_TOKENS);
const textRequest = (body: unknown) => completionRequestOf(parseBody(completionSchema, body));

/** The InvalidRequestError `make` throws (fails the test if it throws nothing or something else). */
function refusalOf(make: () => unknown): InvalidRequestError {
  try {
    make();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('chat completion bodies', () => {
  it('become a request with the service defaults: temperature 1, the default max_tokens, no stop', () => {
    expect(chatRequest({ model: 'student', messages: hello })).toEqual({
      model: 'student',
      prompt: { messages: [{ role: 'user', content: 'Hello' }] },
      maxTokens: DEFAULT_MAX_TOKENS,
      temperature: 1,
      stop: [],
    });
  });

  it('take null as "not given", as the openai client may send it', () => {
    expect(chatRequest({ model: 'student', messages: hello, temperature: null, max_tokens: null, stop: null })).toMatchObject({ maxTokens: DEFAULT_MAX_TOKENS, temperature: 1, stop: [] });
  });

  it('carry the sampling settings given', () => {
    expect(chatRequest({ model: 'student', messages: hello, max_tokens: 8, temperature: 0, top_p: 0.9, seed: 7, stop: ['\n', 'END'], ignore_eos: true })).toEqual({
      model: 'student',
      prompt: { messages: [{ role: 'user', content: 'Hello' }] },
      maxTokens: 8,
      temperature: 0,
      topP: 0.9,
      stop: ['\n', 'END'],
      seed: 7,
      ignoreEos: true,
    });
  });

  it('turn a developer message into a system one and join text content parts', () => {
    const messages = [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }] },
    ];
    expect(chatRequest({ model: 'student', messages }).prompt).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
  });

  it('make one stop string a list of one', () => {
    expect(chatRequest({ model: 'student', messages: hello, stop: 'END' }).stop).toEqual(['END']);
  });

  it('prefer max_completion_tokens to max_tokens', () => {
    expect(chatRequest({ model: 'student', messages: hello, max_tokens: 100, max_completion_tokens: 5 }).maxTokens).toBe(5);
  });
});

describe('completion bodies', () => {
  it('become a request with max_tokens 16 by default, as OpenAI’s', () => {
    expect(textRequest({ model: 'student', prompt: 'Once upon a time' })).toEqual({ model: 'student', prompt: { text: 'Once upon a time' }, maxTokens: 16, temperature: 1, stop: [] });
  });

  it('take a prompt given as a list of one', () => {
    expect(textRequest({ model: 'student', prompt: ['Once upon a time'], echo: false }).prompt).toEqual({ text: 'Once upon a time' });
  });
});

describe('bad bodies', () => {
  it.each([
    ['a model that is not a string', { model: 42 }, 'model'],
    ['messages that are not a list', { messages: 'hi' }, 'messages'],
    ['no messages', { messages: [] }, 'messages'],
    ['an unknown role', { messages: [{ role: 'wizard', content: 'hi' }] }, 'messages[0].role'],
    ['an image content part', { messages: [{ role: 'user', content: [{ type: 'image_url', text: 'x' }] }] }, 'messages[0].content'],
    ['max_tokens of 0', { max_tokens: 0 }, 'max_tokens'],
    ['max_tokens over the limit', { max_tokens: 10_000_000 }, 'max_tokens'],
    ['a fractional max_tokens', { max_tokens: 2.5 }, 'max_tokens'],
    ['max_completion_tokens of 0', { max_completion_tokens: 0 }, 'max_completion_tokens'],
    ['a temperature that is not a number', { temperature: 'hot' }, 'temperature'],
    ['a temperature over 2', { temperature: 2.5 }, 'temperature'],
    ['top_p of 0', { top_p: 0 }, 'top_p'],
    ['top_p over 1', { top_p: 1.5 }, 'top_p'],
    ['n of 2', { n: 2 }, 'n'],
    ['five stop strings', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    ['stream that is not a boolean', { stream: 'yes' }, 'stream'],
  ])('refuses %s, naming %s', (_, fault, param) => {
    const refusal = refusalOf(() => chatRequest({ model: 'student', messages: hello, ...fault }));
    expect(refusal.getStatus()).toBe(400);
    expect(refusal.param).toBe(param);
    expect(refusal.message).toContain(param);
  });

  it('names the first field at fault and lists every problem', () => {
    const refusal = refusalOf(() => chatRequest({ model: 'student', messages: hello, max_tokens: 0, temperature: 5 }));
    expect(refusal.param).toBe('max_tokens');
    expect(refusal.message).toBe('max_tokens: must be at least 1; temperature: must be from 0 to 2');
  });

  it.each([
    ['a string', 'hello'],
    ['a list', [{ model: 'student' }]],
    ['null', null],
  ])('refuses a body that is %s without naming a field', (_, body) => {
    const refusal = refusalOf(() => chatRequest(body));
    expect(refusal.param).toBeNull();
    expect(refusal.message).toBe('the body must be a JSON object');
  });

  it.each([
    ['echo: true', { prompt: 'Hi', echo: true }, 'echo'],
    ['an empty prompt', { prompt: '' }, 'prompt'],
    ['an empty prompt in a list', { prompt: [''] }, 'prompt'],
    ['logprobs', { prompt: 'Hi', logprobs: 2 }, 'logprobs'],
  ])('refuses a completion with %s, naming %s', (_, fault, param) => {
    const refusal = refusalOf(() => textRequest({ model: 'student', ...fault }));
    expect(refusal.param).toBe(param);
    expect(refusal.message).toContain(param);
  });

  it('says why a list of two prompts is refused', () => {
    expect(refusalOf(() => textRequest({ model: 'student', prompt: ['a', 'b'] })).message).toBe('prompt: only one prompt per request is served');
  });
});
