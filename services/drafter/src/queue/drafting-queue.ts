import { PollLoop } from '@distillery/bus';
import { ComputeJobError } from '@distillery/compute';
import type { Platform } from '@distillery/service-kit';
import type { DrafterMetrics } from '../drafter-metrics.js';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';
import type { DraftedOutcome, DrafterJobStore } from '../jobs/drafter-job-store.js';
import { DrafterProgress } from '../jobs/drafter-progress.js';
import { ABORT_REASONS, type DraftingRunner } from './drafting-runner.js';

export interface DraftingQueueOptions {
  readonly store: DrafterJobStore;
  readonly runner: DraftingRunner;
  /** Jobs run at once (1: one at a time; 0 runs none). */
  readonly slots: number;
  /** Names this replica in the rows it claims. */
  readonly replica: string;
  readonly logger: Platform['logger'];
  readonly metrics?: DrafterMetrics;
  /** After a job's drafters.ready event commits (wake the outbox relay). */
  readonly onSucceeded?: (job: DrafterJobEntity, outcome: DraftedOutcome) => void;
  /** After a job ended here for good (its run dir can go: nothing will resume it). */
  readonly onEnded?: (job: DrafterJobEntity, status: 'succeeded' | 'failed' | 'cancelled') => Promise<void>;
  /** How often to look for queued jobs when not woken (default 1 s). */
  readonly pollMs?: number;
  /** How often a running job's row gets its beat and progress (default 1 s). */
  readonly beatMs?: number;
  /** A running job whose replica has not beaten for this long is queued again (default 30 s). */
  readonly leaseMs?: number;
  /** Queue every running job again at start (embedded mode: no other replica can be running them). */
  readonly requeueAllOnStart?: boolean;
}

interface ActiveJob {
  readonly job: DrafterJobEntity;
  readonly controller: AbortController;
  readonly progress: DrafterProgress;
  readonly done: Promise<void>;
}

/**
 * Runs queued drafter jobs, oldest first, `slots` at a time on this replica (the trainer's queue,
 * for drafters). Each running job's row gets a beat (with its progress, when it changed) every
 * `beatMs`; a cancel asked on any replica reaches the job there. `stop()` gives the running jobs
 * back to the queue, and a job left running by a replica that stopped is queued again: either way
 * it resumes from its run dir.
 */
export class DraftingQueue {
  private readonly active = new Map<string, ActiveJob>();
  private readonly loop: PollLoop;
  private readonly beatMs: number;
  private readonly leaseMs: number;
  private checkedStale: number | undefined;

  constructor(private readonly options: DraftingQueueOptions) {
    this.beatMs = options.beatMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.loop = new PollLoop(() => this.pass(), {
      pollMs: options.pollMs ?? 1_000,
      onError: (error) => this.options.logger.warn({ error: String(error) }, 'drafting queue: looking for jobs failed, will retry'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Look for queued jobs now (one was just queued, a dataset version recorded, or a slot freed). */
  wake(): void {
    this.loop.wake();
  }

  get runningJobs(): string[] {
    return [...this.active.keys()];
  }

  /** Cancels a job wherever it is; resolves with its row. Throws DrafterJobNotFoundError, JobNotCancellableError. */
  async cancel(jobId: string): Promise<DrafterJobEntity> {
    const job = await this.options.store.requestCancel(jobId);
    this.active.get(jobId)?.controller.abort(ABORT_REASONS.cancel);
    if (job.status === 'cancelled') await this.options.onEnded?.(job, 'cancelled');
    this.options.logger.info({ jobId, status: job.status }, job.status === 'cancelled' ? 'drafter job cancelled before it ran' : 'drafter job cancel requested');
    return job;
  }

  /** Drain: take no more jobs, stop the running ones and give them back to the queue. */
  async stop(): Promise<void> {
    await this.loop.stop();
    for (const active of this.active.values()) active.controller.abort(ABORT_REASONS.shutdown);
    await Promise.all([...this.active.values()].map((active) => active.done));
  }

  private async pass(): Promise<void> {
    const first = this.checkedStale === undefined;
    if (first || Date.now() - this.checkedStale! > this.leaseMs / 2) {
      const requeued = await this.options.store.requeueStale(this.leaseMs, first && this.options.requeueAllOnStart === true);
      if (requeued.length) this.options.logger.info({ jobs: requeued }, 'drafter jobs left running by a stopped replica queued again');
      this.checkedStale = Date.now();
    }
    while (this.loop.active && this.active.size < this.options.slots) {
      const job = await this.options.store.claim(this.options.replica);
      if (!job) break;
      this.launch(job);
    }
  }

  private launch(job: DrafterJobEntity): void {
    const controller = new AbortController();
    const progress = new DrafterProgress({ results: job.results });
    const logger = this.options.logger.child({ jobId: job.id, modelId: job.modelId, checkpointId: job.checkpointId });
    const done = this.execute(job, controller, progress, logger)
      .catch((error: unknown) => logger.error({ error: String(error) }, 'drafter job outcome not recorded; it is queued again when its lease runs out'))
      .finally(() => {
        this.active.delete(job.id);
        this.options.metrics?.running.set(this.active.size);
        this.wake();
      });
    this.active.set(job.id, { job, controller, progress, done });
    this.options.metrics?.running.set(this.active.size);
  }

  private async execute(job: DrafterJobEntity, controller: AbortController, progress: DrafterProgress, logger: Platform['logger']): Promise<void> {
    const { store, replica } = this.options;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const beats = this.beat(job.id, controller, progress, logger);
    logger.info({ attempt: job.attempts, datasetId: job.datasetId, datasetVersion: job.datasetVersion, settings: job.settings }, 'drafter job started');
    let outcome: { ok: true; drafted: DraftedOutcome } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, drafted: await this.options.runner(job, { signal: controller.signal, progress, logger }) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      await beats.stop();
    }

    if (outcome.ok) {
      const { drafted } = outcome;
      if (await store.succeed(job.id, replica, drafted, progress.snapshot)) {
        this.options.onSucceeded?.(job, drafted);
        this.options.metrics?.finished('succeeded', seconds());
        logger.info({ drafterId: drafted.drafter.drafterId, best: drafted.best, metrics: drafted.drafter.metrics, seconds: Math.round(seconds()) }, 'drafter job succeeded');
        await this.options.onEnded?.(job, 'succeeded');
      } else {
        logger.warn({ drafterId: drafted.drafter.drafterId }, 'drafter job finished here but is no longer this replica’s; its drafter is not announced');
      }
      return;
    }
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    const at = { stage: progress.snapshot.stage, step: progress.snapshot.step };
    if (reason === ABORT_REASONS.shutdown) {
      await store.release(job.id, replica, progress.snapshot);
      this.options.metrics?.finished('released', seconds());
      logger.info(at, 'drafter job given back to the queue (drain); it resumes from its run dir');
    } else if (reason === ABORT_REASONS.cancel) {
      const ended = await store.finish(job.id, replica, 'cancelled', null, progress.snapshot);
      this.options.metrics?.finished('cancelled', seconds());
      logger.info(at, 'drafter job cancelled');
      if (ended) await this.options.onEnded?.(job, 'cancelled');
    } else if (reason === ABORT_REASONS.lost) {
      logger.warn(at, 'drafter job stopped: another replica owns it now');
    } else {
      const message = describeFailure(outcome.error);
      const ended = await store.finish(job.id, replica, 'failed', message, progress.snapshot);
      this.options.metrics?.finished('failed', seconds());
      logger.error({ ...at, error: message }, 'drafter job failed');
      if (ended) await this.options.onEnded?.(job, 'failed');
    }
  }

  /** Beats the job's row every beatMs with its progress when it changed; aborts the job when a cancel was asked or the job was lost. */
  private beat(jobId: string, controller: AbortController, progress: DrafterProgress, logger: Platform['logger']): { stop(): Promise<void> } {
    let inFlight: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      inFlight = inFlight.then(async () => {
        if (controller.signal.aborted) return;
        const snapshot = progress.takeChanged();
        try {
          const beat = await this.options.store.beat(jobId, this.options.replica, snapshot);
          if (!beat) controller.abort(ABORT_REASONS.lost);
          else if (beat.cancelRequested) controller.abort(ABORT_REASONS.cancel);
        } catch (error) {
          if (snapshot) progress.markUnwritten();
          logger.warn({ error: String(error) }, 'drafter job beat failed, will retry');
        }
      });
    }, this.beatMs);
    return {
      stop: async () => {
        clearInterval(timer);
        await inFlight;
      },
    };
  }
}

/** The error text a failed job keeps: the message, and a compute job's last stderr lines. */
function describeFailure(error: unknown): string {
  if (error instanceof ComputeJobError) return [error.message, ...(error.stderrTail.length ? ['stderr (last lines):', ...error.stderrTail] : [])].join('\n');
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
