import { fieldName, issueLines, listProblems } from '@distillery/service-kit';
import { z } from 'zod';
import { InvalidRequestError } from '../errors/serving.errors.js';
import type { InferenceRequest, PromptMessage } from '../inference/inference.types.js';

/** The most tokens one request may ask for; the engine also refuses a prompt and max_tokens over the model's context. */
export const MAX_TOKENS_LIMIT = 32_768;
const MAX_STOP = 4;

const nullable = <T extends z.ZodType>(schema: T) => schema.nullish();

/** Text content, as a string or OpenAI's content parts (text parts only). */
const content = z.union([z.string(), z.array(z.object({ type: z.literal('text', { error: 'only text content parts are served' }), text: z.string() })).min(1)], {
  error: 'expected a string or an array of text content parts',
});

const sampling = {
  model: z.string({ error: 'expected a model id (GET /v1/models lists them)' }).min(1, 'expected a model id (GET /v1/models lists them)').max(256),
  max_tokens: nullable(z.number({ error: 'expected an integer' }).int('expected an integer').min(1, 'must be at least 1').max(MAX_TOKENS_LIMIT, `must be at most ${MAX_TOKENS_LIMIT}`)),
  temperature: nullable(z.number({ error: 'expected a number from 0 to 2' }).min(0, 'must be from 0 to 2').max(2, 'must be from 0 to 2')),
  top_p: nullable(z.number({ error: 'expected a number above 0, at most 1' }).gt(0, 'must be above 0, at most 1').max(1, 'must be above 0, at most 1')),
  n: nullable(z.literal(1, { error: 'only n=1 is served' })),
  stop: nullable(z.union([z.string().min(1).max(256), z.array(z.string().min(1, 'a stop string may not be empty').max(256, 'a stop string holds at most 256 characters')).max(MAX_STOP, `at most ${MAX_STOP} stop strings`)], { error: 'expected a string or an array of at most 4 strings' })),
  seed: nullable(z.number({ error: 'expected an integer' }).int('expected an integer').min(0, 'must be 0 or more').max(Number.MAX_SAFE_INTEGER)),
  stream: nullable(z.boolean({ error: 'expected true or false' })),
  stream_options: nullable(z.object({ include_usage: nullable(z.boolean({ error: 'expected true or false' })) })),
  user: nullable(z.string().max(256)),
  /** Accepted and not enforced: the engine has no constrained decoding (yet); callers check the JSON they get. */
  response_format: nullable(z.object({ type: z.enum(['text', 'json_object'], { error: 'expected "text" or "json_object"' }) })),
  /** distillery's own: benchmarks ask for exactly max_tokens tokens. */
  ignore_eos: nullable(z.boolean({ error: 'expected true or false' })),
};

export const chatCompletionSchema = z.object({
  ...sampling,
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant'], { error: 'expected "system", "developer", "user" or "assistant"' }),
        content,
        name: nullable(z.string().max(256)),
      }),
      { error: 'expected an array of messages' },
    )
    .min(1, 'expected at least one message'),
  max_completion_tokens: sampling.max_tokens,
});

export const completionSchema = z.object({
  ...sampling,
  // The count is checked after the union: a union hides its options' messages behind its own.
  prompt: z.union([z.string(), z.array(z.string())], { error: 'expected a string' }).refine((prompt) => typeof prompt === 'string' || prompt.length === 1, 'only one prompt per request is served'),
  echo: nullable(z.literal(false, { error: 'echo is not served' })),
  logprobs: nullable(z.null({ error: 'logprobs are not served' })),
  suffix: nullable(z.null({ error: 'suffix is not served' })),
});

export type ChatCompletionBody = z.infer<typeof chatCompletionSchema>;
export type CompletionBody = z.infer<typeof completionSchema>;

/** Checks a body against a schema: the parsed body, or InvalidRequestError naming the first field at fault (`param`) and listing every problem. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequestError(null, 'the body must be a JSON object');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new InvalidRequestError(first ? fieldName('', first.path) || null : null, listProblems(issueLines(parsed.error.issues), parsed.error.issues.length));
}

const messageText = (value: z.infer<typeof content>): string => (typeof value === 'string' ? value : value.map((part) => part.text).join(''));

/** The sampling settings both routes share, with the service's defaults. */
function samplingOf(body: ChatCompletionBody | CompletionBody, maxTokens: number | null | undefined, defaultMaxTokens: number): Omit<InferenceRequest, 'prompt'> {
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    model: body.model,
    maxTokens: maxTokens ?? defaultMaxTokens,
    temperature: body.temperature ?? 1,
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    stop,
    ...(body.seed != null ? { seed: body.seed } : {}),
    ...(body.ignore_eos ? { ignoreEos: true } : {}),
  };
}

export function chatRequestOf(body: ChatCompletionBody, defaultMaxTokens: number): InferenceRequest {
  const messages = body.messages.map((message): PromptMessage => ({ role: message.role === 'developer' ? 'system' : message.role, content: messageText(message.content) }));
  return { ...samplingOf(body, body.max_completion_tokens ?? body.max_tokens, defaultMaxTokens), prompt: { messages } };
}

/** /v1/completions: max_tokens defaults to 16, as OpenAI's does. */
export function completionRequestOf(body: CompletionBody): InferenceRequest {
  const text = typeof body.prompt === 'string' ? body.prompt : (body.prompt[0] ?? '');
  if (!text) throw new InvalidRequestError('prompt', 'may not be empty');
  return { ...samplingOf(body, body.max_tokens, 16), prompt: { text } };
}
