import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { BusRecord } from '@distillery/bus';
import type { EventEnvelope, TraceRaw } from '@distillery/contracts';
import { OpenAiModel } from '@distillery/llm';
import type { Platform } from '@distillery/service-kit';
import { Inbox, Outbox, OutboxRelay } from '@distillery/storage';
import type { JudgeConfig } from './config/judge.config.js';
import { JudgeMetrics } from './judge-metrics.js';
import type { CallJudge, Verdict } from './refine/call-judgement.js';
import { LlmJudge } from './refine/llm-judge.js';
import { ReferenceJudge } from './refine/reference-judge.js';
import { TraceRefiner } from './refine/trace-refiner.js';
import { JUDGE_GROUP, RefinementStore } from './store/refinement-store.js';

/** Every this many traces a replica logs its progress. */
const PROGRESS_EVERY = 100;

/** The judge backend the config asks for. */
export function createJudge(config: JudgeConfig): CallJudge {
  if (config.DISTILLERY_JUDGE_BACKEND === 'reference') return new ReferenceJudge({ seed: config.DISTILLERY_JUDGE_SEED });
  const model = new OpenAiModel({
    baseUrl: config.DISTILLERY_OPENAI_BASE_URL ?? '',
    model: config.DISTILLERY_JUDGE_OPENAI_MODEL ?? config.DISTILLERY_OPENAI_MODEL ?? '',
    timeoutMs: config.DISTILLERY_OPENAI_TIMEOUT_MS,
    ...(config.DISTILLERY_OPENAI_API_KEY ? { apiKey: config.DISTILLERY_OPENAI_API_KEY } : {}),
  });
  return new LlmJudge(model, { seed: config.DISTILLERY_JUDGE_SEED, retries: config.DISTILLERY_JUDGE_LLM_RETRIES });
}

/**
 * A running judge replica: `JudgeEventsController` hands it traces.raw in the `judge` group
 * (replicas share the partitions); it refines every call of each turn, and records rows and the
 * traces.refined event once per raw event id; the outbox relay publishes the events.
 */
export class JudgeRuntime {
  /** Names this replica in the rows it writes and in its logs. */
  readonly replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly counts: Record<Verdict, number> = { accepted: 0, corrected: 0, rejected: 0 };
  private traces = 0;

  private constructor(
    private readonly platform: Platform,
    private readonly refiner: TraceRefiner,
    private readonly store: RefinementStore,
    private readonly relay: OutboxRelay,
    private readonly metrics: JudgeMetrics,
  ) {}

  static async start(platform: Platform, config: JudgeConfig): Promise<JudgeRuntime> {
    const { dataSource } = platform.database;
    const relay = new OutboxRelay({ dataSource, bus: platform.bus, schema: 'judge', logger: platform.logger });
    relay.start();
    const store = new RefinementStore(dataSource, new Inbox(dataSource, 'judge', JUDGE_GROUP), new Outbox('judge'), () => relay.wake());
    const refiner = new TraceRefiner(createJudge(config), config.DISTILLERY_JUDGE_SEED);
    const runtime = new JudgeRuntime(platform, refiner, store, relay, new JudgeMetrics(platform.metrics.registry));
    platform.logger.info({ backend: refiner.backend, model: refiner.model, seed: config.DISTILLERY_JUDGE_SEED, replica: runtime.replica, group: JUDGE_GROUP }, 'judge ready for traces.raw');
    return runtime;
  }

  /** Refines one traces.raw event and records it, once per event id. */
  async handle(event: EventEnvelope<TraceRaw>, record: BusRecord): Promise<void> {
    const log = { rawEventId: event.id, conversationId: event.data.conversationId, turnIndex: event.data.turnIndex, partition: record.partition };
    if (await this.store.seen(event.id)) {
      this.metrics.duplicate();
      this.platform.logger.debug(log, 'traces.raw event already refined, skipped');
      return;
    }
    const started = performance.now();
    const refined = await this.refiner.refine(event.data, event.id);
    if ((await this.store.record(record, refined, this.replica)) === 'duplicate') {
      this.metrics.duplicate();
      return;
    }
    this.metrics.refined(refined, (performance.now() - started) / 1000);
    for (const call of refined.message.calls) this.counts[call.verdict]++;
    this.traces++;
    const verdicts = refined.message.calls.map((call) => `${call.agent}:${call.verdict}`).join(' ');
    this.platform.logger.debug({ ...log, verdicts }, 'trace refined');
    if (this.traces === 1 || this.traces % PROGRESS_EVERY === 0) this.platform.logger.info({ traces: this.traces, calls: { ...this.counts }, replica: this.replica }, 'judge progress');
  }

  /** Drain (the consumer has stopped, its trace in flight finished): publish what the outbox holds. */
  async stop(): Promise<void> {
    await this.relay.stop();
    this.platform.logger.info({ traces: this.traces, calls: { ...this.counts }, replica: this.replica }, 'judge stopped');
  }
}
