import type { Admission } from './admission.js';
import type { InferenceBackend, InferenceChunk, InferenceRequest, ServedModel } from './inference.types.js';
import type { ServingMetrics } from '../serving-metrics.js';

/** A whole completion. */
export interface Completed {
  readonly model: string;
  readonly text: string;
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly ttftMs: number;
  readonly totalMs: number;
}

/**
 * Every completion goes through here, whichever API asked: admission (bounded queue), the backend
 * (local engines or an upstream server), and the per-version metrics — TTFT, TPOT, end to end,
 * tokens, outcome.
 */
export class InferenceService {
  constructor(
    private readonly backend: InferenceBackend,
    private readonly admission: Admission,
    private readonly metrics: ServingMetrics,
  ) {}

  models(): Promise<readonly ServedModel[]> {
    return this.backend.models();
  }

  /** The completion's chunks as the engine decodes them; aborting `signal` stops it. */
  async *stream(request: InferenceRequest, signal: AbortSignal): AsyncGenerator<InferenceChunk> {
    const release = await this.admission.acquire(signal).finally(() => this.observeDepth());
    this.observeDepth();
    const started = performance.now();
    let firstAt: number | undefined;
    let last: InferenceChunk | undefined;
    let outcome = 'error';
    try {
      for await (const chunk of this.backend.generate(request, signal)) {
        if (firstAt === undefined && chunk.completionTokens > 0) firstAt = performance.now();
        last = chunk;
        if (chunk.finishReason) outcome = chunk.finishReason;
        yield chunk;
      }
    } catch (error) {
      if (signal.aborted) outcome = 'abort';
      throw error;
    } finally {
      release();
      this.observeDepth();
      if (last) this.record(last, outcome, started, firstAt);
    }
  }

  /** The completion whole. */
  async complete(request: InferenceRequest, signal: AbortSignal): Promise<Completed> {
    const started = performance.now();
    let ttftMs = 0;
    let text = '';
    let last: InferenceChunk | undefined;
    for await (const chunk of this.stream(request, signal)) {
      if (!ttftMs && chunk.completionTokens > 0) ttftMs = performance.now() - started;
      text += chunk.text;
      last = chunk;
    }
    if (!last) throw new Error('the backend ended the completion without an answer');
    return {
      model: last.model,
      text,
      finishReason: last.finishReason ?? 'stop',
      promptTokens: last.promptTokens,
      completionTokens: last.completionTokens,
      cachedTokens: last.cachedTokens,
      ttftMs,
      totalMs: performance.now() - started,
    };
  }

  private record(last: InferenceChunk, outcome: string, started: number, firstAt: number | undefined): void {
    const version = last.model;
    const seconds = (performance.now() - started) / 1_000;
    this.metrics.requests.inc({ version, outcome });
    this.metrics.e2e.observe({ version }, seconds);
    this.metrics.promptTokens.inc({ version }, last.promptTokens);
    this.metrics.outputTokens.inc({ version }, last.completionTokens);
    this.metrics.cachedTokens.inc({ version }, last.cachedTokens);
    if (firstAt !== undefined) {
      this.metrics.ttft.observe({ version }, (firstAt - started) / 1_000);
      if (last.completionTokens > 1) this.metrics.tpot.observe({ version }, (performance.now() - firstAt) / 1_000 / (last.completionTokens - 1));
    }
  }

  private observeDepth(): void {
    const { running, queued } = this.admission.depth;
    this.metrics.admitted.set(running);
    this.metrics.queued.set(queued);
  }
}
