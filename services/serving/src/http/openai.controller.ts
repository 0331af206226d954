import { RequireRole } from '@distillery/service-kit';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ModelNotFoundError, OverloadedError, ServingError, openAiErrorBody } from '../errors/serving.errors.js';
import type { InferenceChunk, InferenceRequest, ServedModel } from '../inference/inference.types.js';
import { ServingLifecycle } from '../serving-lifecycle.js';
import { chatCompletionSchema, chatRequestOf, completionRequestOf, completionSchema, parseBody } from './openai-requests.js';

/** What of Express's request and response the routes use. */
interface HttpRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}
interface HttpResponse {
  readonly writableEnded: boolean;
  readonly headersSent: boolean;
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
  write(chunk: string): boolean;
  cork(): void;
  uncork(): void;
  end(): void;
  flushHeaders(): void;
  on(event: 'close', listener: () => void): void;
}

type Kind = 'chat' | 'text';

/** The client went away: its completion is aborted (the engine frees its KV cache blocks). */
class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * The OpenAI-compatible API: `GET /v1/models`, `POST /v1/chat/completions`, `POST /v1/completions`,
 * unary or streamed as server-sent events (`stream_options.include_usage`, the final `data: [DONE]`).
 * Errors answer in OpenAI's shape with the field at fault as `param`; a full queue is 429 with
 * Retry-After; a client that goes away aborts its completion. Every answer's `model` is the version
 * that produced it (`<model id>@<checkpoint id>`).
 */
@Controller('v1')
@RequireRole('product')
export class OpenAiController {
  constructor(@Inject(ServingLifecycle) private readonly lifecycle: ServingLifecycle) {}

  @Get('models')
  async models(): Promise<{ object: 'list'; data: unknown[] }> {
    return { object: 'list', data: (await this.lifecycle.runtime.inference.models()).map(modelObject) };
  }

  @Get('models/:id')
  async model(@Param('id') id: string): Promise<unknown> {
    const models = await this.lifecycle.runtime.inference.models();
    const found = models.find((model) => model.id === id);
    if (!found) throw new ModelNotFoundError(id, models.map((model) => model.id));
    return modelObject(found);
  }

  @Post('chat/completions')
  @HttpCode(200)
  async chat(@Body() body: unknown, @Req() request: HttpRequest, @Res() response: HttpResponse): Promise<void> {
    const parsed = parseBody(chatCompletionSchema, body);
    await this.answer('chat', chatRequestOf(parsed, this.lifecycle.runtime.defaultMaxTokens), parsed.stream === true, parsed.stream_options?.include_usage === true, request, response);
  }

  @Post('completions')
  @HttpCode(200)
  async completions(@Body() body: unknown, @Req() request: HttpRequest, @Res() response: HttpResponse): Promise<void> {
    const parsed = parseBody(completionSchema, body);
    await this.answer('text', completionRequestOf(parsed), parsed.stream === true, parsed.stream_options?.include_usage === true, request, response);
  }

  private async answer(kind: Kind, inference: InferenceRequest, stream: boolean, includeUsage: boolean, _request: HttpRequest, response: HttpResponse): Promise<void> {
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableEnded) controller.abort(new ClientGoneError('the client closed the connection'));
    });
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1_000);
    const service = this.lifecycle.runtime.inference;
    try {
      if (!stream) {
        const done = await service.complete(inference, controller.signal);
        response.status(200).json(unaryBody(kind, id, created, done.text, done));
        return;
      }
      // The first chunk before the headers: a request refused (model, queue, prompt) still gets its status code.
      const iterator = service.stream(inference, controller.signal)[Symbol.asyncIterator]();
      let next = await iterator.next();
      response.status(200);
      response.setHeader('content-type', 'text/event-stream; charset=utf-8');
      response.setHeader('cache-control', 'no-cache');
      response.setHeader('x-accel-buffering', 'no');
      response.flushHeaders();
      // Events that arrive together (one engine step, one upstream read) go out in one write: corked
      // until the event loop's check phase, after the promise chain that delivers them has run.
      let corked = false;
      const send = (text: string) => {
        if (!corked) {
          corked = true;
          response.cork();
          setImmediate(() => {
            corked = false;
            response.uncork();
          });
        }
        response.write(text);
      };
      let first = true;
      while (!next.done) {
        const chunk = next.value;
        if (first || chunk.text || chunk.finishReason) send(event(streamChunk(kind, id, created, chunk, first, includeUsage)));
        first = false;
        if (chunk.finishReason && includeUsage) send(event({ id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model: chunk.model, choices: [], usage: usageOf(chunk) }));
        next = await iterator.next();
      }
      send('data: [DONE]\n\n');
      response.end();
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof ClientGoneError) return;
      if (error instanceof OverloadedError && !response.headersSent) response.setHeader('retry-after', String(error.retryAfterSeconds));
      if (!response.headersSent) throw error;
      // Mid-stream: the error as the last event (as OpenAI-compatible servers send it), then the end.
      const body = error instanceof ServingError ? (error.getResponse() as Record<string, unknown>) : { message: 'Internal server error' };
      response.write(event(openAiErrorBody(error instanceof ServingError ? error.getStatus() : 500, body)));
      response.end();
    }
  }
}

function event(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

function usageOf(chunk: InferenceChunk): Record<string, unknown> {
  return {
    prompt_tokens: chunk.promptTokens,
    completion_tokens: chunk.completionTokens,
    total_tokens: chunk.promptTokens + chunk.completionTokens,
    prompt_tokens_details: { cached_tokens: chunk.cachedTokens },
  };
}

/** OpenAI's finish reasons: an aborted completion (the engine's "abort") has none of its own. */
const finishReasonOf = (chunk: InferenceChunk): string | null => (chunk.finishReason ? (chunk.finishReason === 'abort' ? 'stop' : chunk.finishReason) : null);

function unaryBody(kind: Kind, id: string, created: number, text: string, last: InferenceChunk): unknown {
  const choice =
    kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReasonOf(last) }
      : { index: 0, text, logprobs: null, finish_reason: finishReasonOf(last) };
  return { id, object: kind === 'chat' ? 'chat.completion' : 'text_completion', created, model: last.model, system_fingerprint: last.model, choices: [choice], usage: usageOf(last) };
}

function streamChunk(kind: Kind, id: string, created: number, chunk: InferenceChunk, first: boolean, includeUsage: boolean): unknown {
  const finish = finishReasonOf(chunk);
  const choice =
    kind === 'chat'
      ? { index: 0, delta: first ? { role: 'assistant', content: chunk.text } : { content: chunk.text }, logprobs: null, finish_reason: finish }
      : { index: 0, text: chunk.text, logprobs: null, finish_reason: finish };
  return {
    id,
    object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created,
    model: chunk.model,
    system_fingerprint: chunk.model,
    choices: [choice],
    ...(includeUsage ? { usage: null } : {}),
  };
}

function modelObject(model: ServedModel): Record<string, unknown> {
  return { id: model.id, object: 'model', created: Math.floor(model.createdAt / 1_000), owned_by: 'distillery', root: model.root, parent: model.parent ?? null };
}
