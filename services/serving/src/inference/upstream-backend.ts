import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { InvalidRequestError, ModelNotFoundError, OverloadedError, UpstreamError } from '../errors/serving.errors.js';
import type { InferenceBackend, InferenceChunk, InferenceRequest, ServedModel } from './inference.types.js';

const HTTP_AGENT = new HttpAgent({ keepAlive: true });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: true });

export interface UpstreamOptions {
  /** An OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (vLLM). */
  readonly baseUrl: string;
  readonly apiKey?: string;
}

interface UpstreamChunk {
  readonly model?: string;
  readonly choices?: ReadonlyArray<{ readonly delta?: { readonly content?: string | null }; readonly text?: string; readonly finish_reason?: string | null }>;
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number; readonly prompt_tokens_details?: { readonly cached_tokens?: number } | null } | null;
  readonly error?: { readonly message?: string };
}

/**
 * Gateway mode: every completion is streamed from an upstream OpenAI-compatible server (vLLM
 * serving our exported checkpoint), with this service's keys, admission, metrics and both APIs in
 * front. Its refusals keep their meaning: 400 → InvalidRequestError, 404 → ModelNotFoundError,
 * 429 → OverloadedError; anything else, or no answer, is UpstreamError (502).
 */
export class UpstreamBackend implements InferenceBackend {
  private readonly baseUrl: string;

  constructor(private readonly options: UpstreamOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
  }

  private headers(): Record<string, string> {
    return { 'content-type': 'application/json', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  async *generate(request: InferenceRequest, signal: AbortSignal): AsyncGenerator<InferenceChunk> {
    if ('transcript' in request.prompt) throw new InvalidRequestError('prompt', 'a role-marker transcript is decoded by local engines only; the upstream server takes messages or text');
    const chat = 'messages' in request.prompt;
    const body = {
      model: request.model,
      ...('messages' in request.prompt ? { messages: request.prompt.messages } : { prompt: request.prompt.text }),
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.stop.length ? { stop: request.stop } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.ignoreEos ? { ignore_eos: true } : {}),
      stream: true,
      stream_options: { include_usage: true },
    };
    let response: IncomingMessage;
    try {
      response = await this.post(`${this.baseUrl}/${chat ? 'chat/completions' : 'completions'}`, JSON.stringify(body), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new UpstreamError(`the upstream ${this.baseUrl} could not be reached: ${String((error as Error).cause ?? error)}`);
    }
    if (response.statusCode !== 200) throw await this.refusal(response, request.model);
    let model = request.model;
    let promptTokens = 0;
    let completionTokens = 0;
    let cachedTokens = 0;
    let finishReason: string | undefined;
    try {
      for await (const line of sseLines(response)) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') break;
        const chunk = JSON.parse(data) as UpstreamChunk;
        if (chunk.error) throw new UpstreamError(`the upstream failed mid-stream: ${String(chunk.error.message).slice(0, 500)}`);
        model = chunk.model ?? model;
        if (chunk.usage) {
          promptTokens = chunk.usage.prompt_tokens ?? promptTokens;
          completionTokens = chunk.usage.completion_tokens ?? completionTokens;
          cachedTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? cachedTokens;
        }
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const text = choice.delta?.content ?? choice.text ?? '';
        if (choice.finish_reason) finishReason = choice.finish_reason;
        if (text && !chunk.usage) completionTokens++; // until the usage chunk says how many
        if (text) yield { model, text, promptTokens, completionTokens, cachedTokens };
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError(`the upstream's stream broke off: ${String(error).slice(0, 300)}`);
    }
    yield { model, text: '', finishReason: finishReason ?? 'stop', promptTokens, completionTokens, cachedTokens };
  }

  /**
   * POSTs over node:http with a keep-alive agent (a third of fetch's cost per request here, which
   * matters for the gateway's overhead); resolves with the response once its headers arrived.
   */
  private post(url: string, body: string, signal: AbortSignal): Promise<IncomingMessage> {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(target, { method: 'POST', headers: { ...this.headers(), 'content-length': Buffer.byteLength(body) }, agent: target.protocol === 'https:' ? HTTPS_AGENT : HTTP_AGENT, signal }, resolve);
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }

  private async refusal(response: IncomingMessage, model: string): Promise<Error> {
    let text = '';
    try {
      for await (const bytes of response) if (text.length < 2_000) text += String(bytes);
    } catch {
      // what arrived is the message
    }
    text = text.slice(0, 2_000);
    const status = response.statusCode ?? 0;
    let message = text;
    let param: string | null = null;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string; param?: string | null }; message?: string };
      message = parsed.error?.message ?? parsed.message ?? text;
      param = parsed.error?.param ?? null;
    } catch {
      // not JSON: the text as it came
    }
    if (status === 400 || status === 422) return new InvalidRequestError(param, message);
    if (status === 404) return new ModelNotFoundError(model, (await this.models().catch(() => [])).map((served) => served.id));
    if (status === 429) return new OverloadedError(Number(response.headers['retry-after']) || 1, 0, 0);
    return new UpstreamError(`the upstream answered ${status}: ${message.slice(0, 500)}`);
  }

  async models(): Promise<ServedModel[]> {
    const response = await fetch(`${this.baseUrl}/models`, { headers: this.headers(), signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => {
      throw new UpstreamError(`the upstream ${this.baseUrl} could not be reached: ${String((error as Error).cause ?? error)}`);
    });
    if (!response.ok) throw new UpstreamError(`the upstream's /models answered ${response.status}`);
    const body = (await response.json()) as { data?: Array<{ id: string; root?: string; parent?: string | null; created?: number }> };
    return (body.data ?? []).map((model) => ({ id: model.id, root: model.root ?? model.id, ...(model.parent ? { parent: model.parent } : {}), format: 'upstream', createdAt: (model.created ?? 0) * 1_000 }));
  }
}

/** The lines of a server-sent event stream as they arrive (split on LF, a CR before it dropped). */
async function* sseLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n', start)) {
      yield buffer.slice(start, buffer[end - 1] === '\r' ? end - 1 : end);
      start = end + 1;
    }
    buffer = buffer.slice(start);
  }
  if (buffer) yield buffer;
}
