import { randomUUID } from 'node:crypto';
import { type EngineServerProcess, type ServeExit, type ServeOptions, startEngineServer } from '@distillery/compute';
import { type EngineClient, type EngineGenerateRequest, type EngineGenerateResponse, type EngineHealth, engineV1 } from '@distillery/proto';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DeadlineExceededError, EngineUnavailableError, InvalidRequestError } from '../errors/serving.errors.js';
import type { InferenceChunk, InferenceRequest } from '../inference/inference.types.js';

export interface EngineInstanceOptions {
  /** `<model id>@<checkpoint id>`: what the instance answers as. */
  readonly version: string;
  readonly serve: ServeOptions;
  readonly python?: string;
  readonly logger: Logger;
  /** The engine process died unexpectedly (it is restarted). */
  readonly onCrash?: (exit: ServeExit) => void;
  /** First restart delay; doubles up to 30 s while restarts keep failing. */
  readonly restartDelayMs?: number;
  /** Aborting it kills the process while it loads (the replica is stopping): the start rejects with ComputeJobCancelledError. */
  readonly signal?: AbortSignal;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * One version of a model served by one engine process (`python -m distillery_compute serve`) it
 * starts and supervises: when the process dies, the requests it was serving fail with
 * EngineUnavailableError and it is started again (with backoff), while new requests wait for it.
 * Leases count the requests in flight so a retired version stops only once they finished.
 */
export class EngineInstance {
  private process: EngineServerProcess | undefined;
  private client: EngineClient | undefined;
  private ready: Promise<void>;
  private stopping = false;
  private leases = 0;
  private idle: (() => void) | undefined;
  private restartDelay: number;
  restarts = 0;

  private constructor(private readonly options: EngineInstanceOptions) {
    this.restartDelay = options.restartDelayMs ?? 1_000;
    this.ready = Promise.resolve();
  }

  /** Starts the engine process; rejects (ComputeJobError) when it refuses the checkpoint or fails to load. */
  static async start(options: EngineInstanceOptions): Promise<EngineInstance> {
    const instance = new EngineInstance(options);
    await instance.launch();
    return instance;
  }

  get version(): string {
    return this.options.version;
  }

  /** The engine's context: prompt and completion tokens together. */
  get maxModelLen(): number {
    return this.process?.ready.max_model_len ?? 0;
  }

  get inFlight(): number {
    return this.leases;
  }

  private async launch(): Promise<void> {
    const process = await startEngineServer(this.options.serve, {
      logger: this.options.logger,
      ...(this.options.python ? { python: this.options.python } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    this.process = process;
    this.client = new (engineV1().Engine)(process.ready.address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
    this.options.logger.info({ version: this.version, address: process.ready.address, pid: process.ready.pid, loadS: process.ready.load_s, blocks: process.ready.blocks }, 'engine ready');
    void process.exited.then((exit) => this.onExit(process, exit));
  }

  private onExit(process: EngineServerProcess, exit: ServeExit): void {
    this.client?.close();
    if (this.stopping || process !== this.process) return;
    this.restarts++;
    this.options.logger.error({ version: this.version, code: exit.code, signal: exit.signal, stderr: exit.stderr.slice(-5) }, 'engine process died; restarting it');
    this.options.onCrash?.(exit);
    this.ready = this.restart();
  }

  private async restart(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, this.restartDelay));
      if (this.stopping) throw new EngineUnavailableError(`${this.version} is stopping`);
      try {
        await this.launch();
        this.restartDelay = this.options.restartDelayMs ?? 1_000;
        return;
      } catch (error) {
        this.restartDelay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelay * 2);
        this.options.logger.error({ version: this.version, err: error, retryInMs: this.restartDelay }, 'engine restart failed');
      }
    }
  }

  /** The completion's chunks from the engine; `signal` aborts the call (the engine frees its blocks). */
  async *generate(request: InferenceRequest, signal: AbortSignal): AsyncGenerator<InferenceChunk> {
    this.leases++;
    try {
      await this.ready;
      const client = this.client;
      if (!client || this.stopping) throw new EngineUnavailableError(`${this.version} is not serving`);
      const call = client.generate(toEngineRequest(request), new Metadata());
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const response of call as AsyncIterable<EngineGenerateResponse>) {
          yield {
            model: this.version,
            text: response.text,
            ...(response.finishReason ? { finishReason: response.finishReason } : {}),
            promptTokens: response.promptTokens,
            completionTokens: response.completionTokens,
            cachedTokens: response.cachedTokens,
          };
        }
      } catch (error) {
        throw this.mapError(error as ServiceError, signal, 'messages' in request.prompt ? 'messages' : 'prompt');
      } finally {
        signal.removeEventListener('abort', cancel);
        call.cancel();
      }
    } finally {
      this.leases--;
      if (this.leases === 0) this.idle?.();
    }
  }

  /** The engine's load (Health), or undefined while it is not up. */
  health(): Promise<EngineHealth | undefined> {
    const client = this.client;
    if (!client) return Promise.resolve(undefined);
    return new Promise((resolve) => client.health({}, { deadline: Date.now() + 2_000 }, (error, answer) => resolve(error ? undefined : answer)));
  }

  private mapError(error: ServiceError, signal: AbortSignal, promptParam: string): Error {
    if (signal.aborted) return signal.reason instanceof Error ? signal.reason : new DeadlineExceededError('the request was aborted');
    if (error.code === status.INVALID_ARGUMENT) {
      const field = error.metadata?.get('distillery-field')[0];
      const code = error.metadata?.get('distillery-code')[0];
      const param = typeof field === 'string' ? (PROMPT_FIELDS.has(field) ? promptParam : field) : null;
      const message = error.details || error.message;
      return new InvalidRequestError(param, param && typeof field === 'string' && message.startsWith(`${field}:`) ? `${param}:${message.slice(field.length + 1)}` : message, typeof code === 'string' ? code : null);
    }
    return new EngineUnavailableError(`the engine serving ${this.version} failed mid-request (${status[error.code] ?? error.code}: ${(error.details || error.message).slice(0, 300)}); it is being restarted, retry`);
  }

  /**
   * Stops taking requests, waits for those in flight (up to `graceMs`), then stops the process
   * (SIGTERM: it drains what it still has; SIGKILL after `killMs`).
   */
  async stop(graceMs = 60_000, killMs = 10_000): Promise<void> {
    if (this.leases > 0) {
      await Promise.race([new Promise<void>((resolve) => (this.idle = resolve)), new Promise((resolve) => setTimeout(resolve, graceMs))]);
    }
    this.stopping = true;
    await this.process?.stop(killMs);
    this.client?.close();
  }
}

/** The engine's names for the prompt as a whole; the APIs' callers know it as `messages` (chat) or `prompt`. */
const PROMPT_FIELDS = new Set(['prompt', 'text', 'transcript', 'token_ids', 'messages']);

function toEngineRequest(request: InferenceRequest): EngineGenerateRequest {
  return {
    requestId: randomUUID(),
    ...('messages' in request.prompt
      ? { messages: { items: request.prompt.messages.map((message) => ({ role: message.role, content: message.content })) } }
      : 'transcript' in request.prompt
        ? { transcript: request.prompt.transcript }
        : { text: request.prompt.text }),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: String(request.seed) } : {}),
    stop: [...request.stop],
    ignoreEos: request.ignoreEos ?? false,
  };
}
