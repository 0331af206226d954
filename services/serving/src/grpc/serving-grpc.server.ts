import { type Deadline, Metadata, Server, type ServerWritableStream, type ServiceError, status } from '@grpc/grpc-js';
import type { GenerateChunk, GenerateRequest__Output, GenerateResponse, InferenceServiceHandlers } from '@distillery/proto';
import { type GrpcServerTls, grpcServerCredentials, servingV1, undecodable, withUndecodableRequests } from '@distillery/proto';
import { HealthImplementation } from 'grpc-health-check';
import { DeadlineExceededError, InvalidRequestError, OverloadedError, ServingError } from '../errors/serving.errors.js';
import type { InferenceService } from '../inference/inference.service.js';
import type { InferenceRequest } from '../inference/inference.types.js';
import { apiKeyOfMetadata, tracedGrpcHandlers } from '@distillery/service-kit';
import { MAX_TOKENS_LIMIT } from '../http/openai-requests.js';

export interface ServingGrpcOptions {
  /** Throws UnauthenticatedError for a missing or unknown key. */
  readonly authenticate: (key: string | undefined) => void;
  readonly defaultMaxTokens: number;
  /** Where unexpected failures are logged (the caller only sees INTERNAL). */
  readonly onUnexpected?: (error: unknown, method: string) => void;
  /** TLS (DISTILLERY_TLS_*); plaintext when absent. */
  readonly tls?: GrpcServerTls;
}

const SERVICE_NAME = 'distillery.serving.v1.InferenceService';
const ROLES = new Set(['system', 'user', 'assistant']);

/**
 * The serving service's gRPC API (proto/distillery/serving/v1): Generate, GenerateStream and
 * ListModels over the same InferenceService as the OpenAI routes. The call's deadline bounds the
 * completion (DEADLINE_EXCEEDED; the engine stops decoding it), a cancelled call aborts it, and
 * errors map to their codes: INVALID_ARGUMENT naming the field, NOT_FOUND, UNAUTHENTICATED,
 * RESOURCE_EXHAUSTED with `retry-after` metadata, UNAVAILABLE. gRPC health is served too.
 */
export class ServingGrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });

  constructor(
    private readonly inference: InferenceService,
    private readonly options: ServingGrpcOptions,
  ) {
    this.server.addService(withUndecodableRequests(servingV1().InferenceService.service), tracedGrpcHandlers('distillery.serving.v1.InferenceService', this.handlers()));
    this.health.addToServer(this.server);
  }

  async start(host: string, port: number): Promise<number> {
    const bound = await new Promise<number>((resolve, reject) => this.server.bindAsync(`${host}:${port}`, grpcServerCredentials(this.options.tls), (error, at) => (error ? reject(error) : resolve(at))));
    this.health.setStatus('', 'SERVING');
    this.health.setStatus(SERVICE_NAME, 'SERVING');
    return bound;
  }

  /** Stops taking calls and lets those in flight finish (up to `graceMs`). */
  async stop(graceMs = 30_000): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    this.health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    await Promise.race([new Promise<void>((resolve) => this.server.tryShutdown(() => resolve())), new Promise<void>((resolve) => setTimeout(resolve, graceMs))]);
    this.server.forceShutdown();
  }

  private accept(call: { metadata: Metadata; request: GenerateRequest__Output }): InferenceRequest {
    this.options.authenticate(apiKeyOfMetadata(call.metadata));
    const failure = undecodable(call.request);
    if (failure) throw new InvalidRequestError(null, failure.message);
    return requestOf(call.request, this.options.defaultMaxTokens);
  }

  private handlers(): InferenceServiceHandlers {
    return {
      Generate: (call, callback) => {
        let inference: InferenceRequest;
        try {
          inference = this.accept(call);
        } catch (error) {
          callback(this.toServiceError(error, 'Generate'));
          return;
        }
        const { signal, dispose } = callSignal(call.getDeadline(), (listener) => call.on('cancelled', listener));
        this.inference.complete(inference, signal).then(
          (done): void =>
            callback(null, {
              model: done.model,
              text: done.text,
              finishReason: done.finishReason,
              usage: { promptTokens: done.promptTokens, completionTokens: done.completionTokens, cachedTokens: done.cachedTokens },
              timing: { ttftMs: done.ttftMs, totalMs: done.totalMs },
            } satisfies GenerateResponse),
          (error: unknown) => callback(this.toServiceError(signal.aborted && signal.reason instanceof DeadlineExceededError ? signal.reason : error, 'Generate')),
        ).finally(dispose);
      },
      GenerateStream: (call: ServerWritableStream<GenerateRequest__Output, GenerateChunk>) => {
        void this.stream(call);
      },
      ListModels: (call, callback) => {
        try {
          this.options.authenticate(apiKeyOfMetadata(call.metadata));
        } catch (error) {
          callback(this.toServiceError(error, 'ListModels'));
          return;
        }
        this.inference.models().then(
          (models) => callback(null, { models: models.map((model) => ({ id: model.id, alias: model.root !== model.id ? model.id : '', format: model.format, ...(model.checkpoint ? { checkpoint: model.checkpoint } : {}) })) }),
          (error: unknown) => callback(this.toServiceError(error, 'ListModels')),
        );
      },
    };
  }

  private async stream(call: ServerWritableStream<GenerateRequest__Output, GenerateChunk>): Promise<void> {
    const started = performance.now();
    const { signal, dispose } = callSignal(call.getDeadline(), (listener) => call.on('cancelled', listener));
    try {
      const inference = this.accept(call);
      let ttftMs = 0;
      for await (const chunk of this.inference.stream(inference, signal)) {
        if (!ttftMs && chunk.completionTokens > 0) ttftMs = performance.now() - started;
        const last = chunk.finishReason !== undefined;
        call.write({
          model: chunk.model,
          text: chunk.text,
          finishReason: chunk.finishReason ?? '',
          ...(last ? { usage: { promptTokens: chunk.promptTokens, completionTokens: chunk.completionTokens, cachedTokens: chunk.cachedTokens }, timing: { ttftMs, totalMs: performance.now() - started } } : {}),
        });
      }
      call.end();
    } catch (error) {
      if (call.cancelled) return;
      call.emit('error', this.toServiceError(signal.aborted && signal.reason instanceof DeadlineExceededError ? signal.reason : error, 'GenerateStream'));
    } finally {
      dispose();
    }
  }

  private toServiceError(error: unknown, method: string): ServiceError {
    const metadata = new Metadata();
    let code: status;
    let message: string;
    if (error instanceof ServingError) {
      code = grpcStatusOf(error);
      message = error.message;
      if (error.param) metadata.set('distillery-field', error.param);
      if (error instanceof OverloadedError) metadata.set('retry-after', String(error.retryAfterSeconds));
    } else {
      this.options.onUnexpected?.(error, method);
      code = status.INTERNAL;
      message = 'internal error';
    }
    return Object.assign(new Error(message), { code, details: message, metadata }) as ServiceError;
  }
}

/** The gRPC code of a ServingError, by its HTTP status. */
export function grpcStatusOf(error: ServingError): status {
  switch (error.getStatus()) {
    case 400:
      return status.INVALID_ARGUMENT;
    case 401:
      return status.UNAUTHENTICATED;
    case 404:
      return status.NOT_FOUND;
    case 429:
      return status.RESOURCE_EXHAUSTED;
    case 504:
      return status.DEADLINE_EXCEEDED;
    default:
      return status.UNAVAILABLE;
  }
}

/** An AbortSignal for a call: aborted when the client cancels it or its deadline passes. */
function callSignal(deadline: Deadline, onCancelled: (listener: () => void) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  onCancelled(() => controller.abort(new Error('the client cancelled the call')));
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const timer = Number.isFinite(at) ? setTimeout(() => controller.abort(new DeadlineExceededError('the call’s deadline passed before the completion finished')), Math.max(0, at - Date.now())) : undefined;
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}

/** The proto's request as an InferenceRequest, each field checked (INVALID_ARGUMENT naming it). */
function requestOf(request: GenerateRequest__Output, defaultMaxTokens: number): InferenceRequest {
  if (!request.model) throw new InvalidRequestError('model', 'expected a model id (ListModels lists them)');
  if (request.messages.length && request.prompt) throw new InvalidRequestError('prompt', 'give messages or prompt, not both');
  if (!request.messages.length && !request.prompt) throw new InvalidRequestError('messages', 'expected at least one message (or a prompt)');
  request.messages.forEach((message, index) => {
    if (!ROLES.has(message.role)) throw new InvalidRequestError(`messages[${index}].role`, `expected "system", "user" or "assistant", got ${JSON.stringify(message.role.slice(0, 40))}`);
  });
  if (request.maxTokens < 0 || request.maxTokens > MAX_TOKENS_LIMIT) throw new InvalidRequestError('max_tokens', `must be from 1 to ${MAX_TOKENS_LIMIT} (0: the default), got ${request.maxTokens}`);
  const temperature = Number(request.temperature);
  if (!(temperature >= 0 && temperature <= 2)) throw new InvalidRequestError('temperature', `must be from 0 to 2, got ${request.temperature}`);
  const topP = request.topP === undefined || request.topP === null ? undefined : Number(request.topP);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new InvalidRequestError('top_p', `must be above 0, at most 1, got ${request.topP}`);
  if (request.stop.length > 4) throw new InvalidRequestError('stop', `at most 4 stop strings, got ${request.stop.length}`);
  request.stop.forEach((stop, index) => {
    if (!stop || stop.length > 256) throw new InvalidRequestError(`stop[${index}]`, 'a stop string holds 1 to 256 characters');
  });
  const seed = request.seed === undefined || request.seed === null ? undefined : Number(request.seed);
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) throw new InvalidRequestError('seed', `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
  return {
    model: request.model,
    prompt: request.messages.length ? { messages: request.messages.map((message) => ({ role: message.role as 'system' | 'user' | 'assistant', content: message.content })) } : { text: request.prompt },
    maxTokens: request.maxTokens || defaultMaxTokens,
    temperature,
    ...(topP !== undefined ? { topP } : {}),
    stop: request.stop,
    ...(seed !== undefined ? { seed } : {}),
  };
}
