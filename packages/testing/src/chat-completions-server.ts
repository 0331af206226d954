import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the scripted server answers to one request: a status, a JSON body, optionally late. */
export interface ScriptedReply {
  readonly status: number;
  readonly body: unknown;
  readonly delayMs?: number;
}

export type ChatCompletionsHandler = (body: Record<string, unknown>, request: IncomingMessage) => ScriptedReply;

/** A real OpenAI-compatible HTTP server on loopback whose answers a test scripts. */
export interface ChatCompletionsServer {
  /** e.g. `http://127.0.0.1:41234/v1`, for OpenAiModel's `baseUrl`. */
  readonly baseUrl: string;
  /** Every request body received, with its `authorization` header and `path` added. */
  readonly received: Array<Record<string, unknown>>;
  /** Replaces the handler for the requests that follow. */
  handle(handler: ChatCompletionsHandler): void;
  close(): Promise<void>;
}

/** A 200 chat completion holding `content`, as an OpenAI-compatible server sends it. */
export function chatCompletion(content: string, model = 'served-model'): ScriptedReply {
  return { status: 200, body: { model, choices: [{ message: { content } }], usage: { prompt_tokens: 12, completion_tokens: 3 } } };
}

/**
 * Starts the server on a free loopback port; until `handle` is called it answers 503.
 *
 * ```ts
 * const server = await startChatCompletionsServer();
 * server.handle(() => chatCompletion('{"approve":true}'));
 * const model = new OpenAiModel({ baseUrl: server.baseUrl, model: 'judge' });
 * ```
 */
export async function startChatCompletionsServer(): Promise<ChatCompletionsServer> {
  let handler: ChatCompletionsHandler = () => ({ status: 503, body: { error: 'no handler scripted' } });
  const received: Array<Record<string, unknown>> = [];
  const server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const body = JSON.parse(raw) as Record<string, unknown>;
    received.push({ ...body, authorization: request.headers.authorization, path: request.url });
    const reply = handler(body, request);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    handle: (next) => {
      handler = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
