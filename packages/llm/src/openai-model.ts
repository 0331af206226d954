import { context, propagation } from '@opentelemetry/api';
import { z } from 'zod';
import { ModelCallError } from './model-call.error.js';
import type { Completion, CompletionRequest, ModelPort } from './model-port.js';

export interface OpenAiModelOptions {
  /** e.g. http://127.0.0.1:8000/v1 (vLLM, TGI, llama.cpp server, Ollama, a hosted API). */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly timeoutMs?: number;
  /** Retries on 429, 5xx and network errors, with exponential backoff. */
  readonly retries?: number;
  /** The backend name recorded with every call (default `openai`; the agents' `serving` backend is this adapter pointed at our serving service). */
  readonly backend?: string;
}

const responseSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).optional(),
});

/**
 * The `openai` backend: any OpenAI-compatible `/chat/completions` endpoint. A call records the
 * `model` the server answered with — our serving service answers with the version that produced it
 * (`student-dealership@ckpt_0007`), so traces name the checkpoint.
 */
export class OpenAiModel implements ModelPort {
  readonly backend: string;
  readonly model: string;

  constructor(private readonly options: OpenAiModelOptions) {
    this.model = options.model;
    this.backend = options.backend ?? 'openai';
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const retries = this.options.retries ?? 3;
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(request, started);
      } catch (error) {
        const retriable = error instanceof ModelCallError && (error.reason === 'network' || (error.reason === 'http' && (error.status === 429 || (error.status ?? 0) >= 500)));
        if (!retriable || attempt >= retries || request.signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(4_000, 100 * 2 ** attempt)));
      }
    }
  }

  private async once(request: CompletionRequest, started: number): Promise<Completion> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}), ...traceHeaders() },
        body: JSON.stringify({
          model: request.model ?? this.options.model,
          messages: request.messages,
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.stop?.length ? { stop: request.stop } : {}),
          ...(request.json ? { response_format: { type: 'json_object' } } : {}),
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
        }),
        signal,
      });
    } catch (error) {
      if (timeout.aborted) throw new ModelCallError(this.backend, 'timeout', `no answer from ${this.options.baseUrl} within ${this.options.timeoutMs ?? 60_000} ms`);
      throw new ModelCallError(this.backend, 'network', `${this.options.baseUrl}: ${String((error as Error).cause ?? error)}`);
    }
    const body = await response.text();
    if (!response.ok) throw new ModelCallError(this.backend, 'http', body.slice(0, 500), response.status);
    let parsed: z.infer<typeof responseSchema>;
    try {
      parsed = responseSchema.parse(JSON.parse(body));
    } catch (error) {
      throw new ModelCallError(this.backend, 'bad-response', `not a chat completion: ${String(error).slice(0, 300)}`);
    }
    const text = parsed.choices[0]?.message.content ?? '';
    return {
      text,
      backend: this.backend,
      model: parsed.model ?? request.model ?? this.options.model,
      inputTokens: parsed.usage?.prompt_tokens ?? 0,
      outputTokens: parsed.usage?.completion_tokens ?? 0,
      tokensEstimated: parsed.usage === undefined,
      latencyMs: performance.now() - started,
    };
  }
}

/** The active trace (traceparent) for the model server, if the call runs in one. */
function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}
