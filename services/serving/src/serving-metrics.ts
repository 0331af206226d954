import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The serving service's numbers on /metrics, per model version (`<model id>@<checkpoint id>`). */
export class ServingMetrics {
  readonly ttft: Histogram<'version'>;
  readonly tpot: Histogram<'version'>;
  readonly e2e: Histogram<'version'>;
  readonly requests: Counter<'version' | 'outcome'>;
  readonly promptTokens: Counter<'version'>;
  readonly outputTokens: Counter<'version'>;
  readonly cachedTokens: Counter<'version'>;
  readonly queued: Gauge;
  readonly admitted: Gauge;
  readonly engineRunning: Gauge<'version'>;
  readonly engineWaiting: Gauge<'version'>;
  readonly kvBlocksUsed: Gauge<'version'>;
  readonly kvBlocksTotal: Gauge<'version'>;
  readonly prefixHitRate: Gauge<'version'>;
  readonly tokensPerSecond: Gauge<'version'>;
  readonly engineRestarts: Counter<'version'>;
  readonly versionChanges: Counter<'version' | 'kind'>;
  readonly meanAcceptedLength: Gauge<'version'>;
  readonly speculativeRounds: Gauge<'version'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.ttft = new Histogram({ name: 'distillery_serving_ttft_seconds', help: 'Time from admission to the first output token', labelNames: ['version'], buckets: LATENCY_BUCKETS, registers });
    this.tpot = new Histogram({ name: 'distillery_serving_tpot_seconds', help: 'Time per output token after the first', labelNames: ['version'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers });
    this.e2e = new Histogram({ name: 'distillery_serving_request_seconds', help: 'Time from admission to the last token', labelNames: ['version'], buckets: LATENCY_BUCKETS, registers });
    this.requests = new Counter({ name: 'distillery_serving_requests_total', help: 'Completions by version and outcome: stop, length, abort, error', labelNames: ['version', 'outcome'], registers });
    this.promptTokens = new Counter({ name: 'distillery_serving_prompt_tokens_total', help: 'Prompt tokens', labelNames: ['version'], registers });
    this.outputTokens = new Counter({ name: 'distillery_serving_output_tokens_total', help: 'Output tokens', labelNames: ['version'], registers });
    this.cachedTokens = new Counter({ name: 'distillery_serving_cached_prompt_tokens_total', help: 'Prompt tokens the prefix cache supplied', labelNames: ['version'], registers });
    this.queued = new Gauge({ name: 'distillery_serving_queue_depth', help: 'Requests waiting for admission', registers });
    this.admitted = new Gauge({ name: 'distillery_serving_admitted', help: 'Requests admitted and running', registers });
    this.engineRunning = new Gauge({ name: 'distillery_serving_batch_running', help: 'Requests in the engine’s running batch', labelNames: ['version'], registers });
    this.engineWaiting = new Gauge({ name: 'distillery_serving_batch_waiting', help: 'Requests the engine holds waiting for KV blocks or batch room', labelNames: ['version'], registers });
    this.kvBlocksUsed = new Gauge({ name: 'distillery_serving_kv_blocks_used', help: 'KV cache blocks held by requests', labelNames: ['version'], registers });
    this.kvBlocksTotal = new Gauge({ name: 'distillery_serving_kv_blocks_total', help: 'KV cache blocks', labelNames: ['version'], registers });
    this.prefixHitRate = new Gauge({ name: 'distillery_serving_prefix_cache_hit_rate', help: 'Share of prompt tokens the prefix cache supplied since the engine started', labelNames: ['version'], registers });
    this.tokensPerSecond = new Gauge({ name: 'distillery_serving_output_tokens_per_second', help: 'Output tokens per second over the last sampling interval', labelNames: ['version'], registers });
    this.engineRestarts = new Counter({ name: 'distillery_serving_engine_restarts_total', help: 'Engine processes restarted after they died', labelNames: ['version'], registers });
    this.versionChanges = new Counter({ name: 'distillery_serving_version_changes_total', help: 'Versions loaded, retired, refused; drafters, FP8 versions and FP8 drafters refused', labelNames: ['version', 'kind'], registers });
    this.meanAcceptedLength = new Gauge({
      name: 'distillery_serving_mean_accepted_length',
      help: 'Tokens a verified draft added on average (the target’s own included) since the version’s engine started with its drafter',
      labelNames: ['version'],
      registers,
    });
    this.speculativeRounds = new Gauge({ name: 'distillery_serving_speculative_rounds', help: 'Drafts verified since the version’s engine started with its drafter', labelNames: ['version'], registers });
  }
}
