import { PollLoop } from '@distillery/bus';
import { ComputeJobError } from '@distillery/compute';
import type { CheckpointBf16 } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import { JobProgress } from '../jobs/job-progress.js';
import type { TrainingJobEntity } from '../jobs/training-job.entity.js';
import type { TrainingJobStore } from '../jobs/training-job-store.js';
import type { TrainerMetrics } from '../trainer-metrics.js';
import { ABORT_REASONS, type TrainingRunner } from './training-runner.js';

export interface TrainingQueueOptions {
  readonly store: TrainingJobStore;
  readonly runner: TrainingRunner;
  /** Jobs run at once (one per compute slot); 0 runs none. */
  readonly slots: number;
  /** Names this replica in the rows it claims. */
  readonly replica: string;
  readonly logger: Platform['logger'];
  readonly metrics?: TrainerMetrics;
  /** After a job's checkpoints.bf16 event commits (wake the outbox relay). */
  readonly onSucceeded?: () => void;
  /** After a job ended here for good (its run dir can go: nothing will resume it). */
  readonly onEnded?: (job: TrainingJobEntity, status: 'succeeded' | 'failed' | 'cancelled') => Promise<void>;
  /** How often to look for queued jobs when not woken (default 1 s). */
  readonly pollMs?: number;
  /** How often a running job's row gets its beat and progress (default 1 s: never more writes than that). */
  readonly beatMs?: number;
  /** A running job whose replica has not beaten for this long is queued again (default 30 s). */
  readonly leaseMs?: number;
  /** Queue every running job again at start (embedded mode: no other replica can be running them). */
  readonly requeueAllOnStart?: boolean;
}

interface ActiveJob {
  readonly job: TrainingJobEntity;
  readonly controller: AbortController;
  readonly progress: JobProgress;
  readonly done: Promise<void>;
}

/**
 * Runs queued training jobs, oldest first, at most `slots` at a time on this replica. Each running
 * job's row gets a beat (with its progress, when it changed) every `beatMs`; a cancel asked on any
 * replica reaches the job there. `stop()` gives the running jobs back to the queue.
 */
export class TrainingQueue {
  private readonly active = new Map<string, ActiveJob>();
  private readonly loop: PollLoop;
  private readonly beatMs: number;
  private readonly leaseMs: number;
  private checkedStale: number | undefined;

  constructor(private readonly options: TrainingQueueOptions) {
    this.beatMs = options.beatMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.loop = new PollLoop(() => this.pass(), {
      pollMs: options.pollMs ?? 1_000,
      onError: (error) => this.options.logger.warn({ error: String(error) }, 'training queue: looking for jobs failed, will retry'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Look for queued jobs now (one was just queued, or a slot freed). */
  wake(): void {
    this.loop.wake();
  }

  /** The jobs running on this replica. */
  get runningJobs(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Cancels a job wherever it is: a queued one at once, a running one here now, or on its replica at
   * its next beat. Resolves with the job's row; throws TrainingJobNotFoundError, JobNotCancellableError.
   */
  async cancel(jobId: string): Promise<TrainingJobEntity> {
    const job = await this.options.store.requestCancel(jobId);
    this.active.get(jobId)?.controller.abort(ABORT_REASONS.cancel);
    // A queued job may hold a run dir from an attempt a drain cut short.
    if (job.status === 'cancelled') await this.options.onEnded?.(job, 'cancelled');
    this.options.logger.info({ jobId, status: job.status }, job.status === 'cancelled' ? 'training job cancelled before it ran' : 'training job cancel requested');
    return job;
  }

  /** Drain: take no more jobs, stop the running ones and give them back to the queue. */
  async stop(): Promise<void> {
    await this.loop.stop();
    for (const active of this.active.values()) active.controller.abort(ABORT_REASONS.shutdown);
    await Promise.all([...this.active.values()].map((active) => active.done));
  }

  /** Queues again what stopped replicas left running (at start, then every half lease), then fills the free slots. */
  private async pass(): Promise<void> {
    const first = this.checkedStale === undefined;
    if (first || Date.now() - this.checkedStale! > this.leaseMs / 2) {
      const requeued = await this.options.store.requeueStale(this.leaseMs, first && this.options.requeueAllOnStart === true);
      if (requeued.length) this.options.logger.info({ jobs: requeued }, 'training jobs left running by a stopped replica queued again');
      this.checkedStale = Date.now();
    }
    while (this.loop.active && this.active.size < this.options.slots) {
      const job = await this.options.store.claim(this.options.replica);
      if (!job) break;
      this.launch(job);
    }
  }

  private launch(job: TrainingJobEntity): void {
    const controller = new AbortController();
    const progress = new JobProgress({ stages: job.stages });
    const logger = this.options.logger.child({ jobId: job.id, datasetId: job.datasetId, datasetVersion: job.datasetVersion });
    const done = this.execute(job, controller, progress, logger)
      // The outcome could not be written (the database is away): the job stays running until its lease runs out, then runs again.
      .catch((error: unknown) => logger.error({ error: String(error) }, 'training job outcome not recorded; it is queued again when its lease runs out'))
      .finally(() => {
        this.active.delete(job.id);
        this.options.metrics?.running.set(this.active.size);
        this.wake();
      });
    this.active.set(job.id, { job, controller, progress, done });
    this.options.metrics?.running.set(this.active.size);
  }

  private async execute(job: TrainingJobEntity, controller: AbortController, progress: JobProgress, logger: Platform['logger']): Promise<void> {
    const { store, replica } = this.options;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const beats = this.beat(job.id, controller, progress, logger);
    logger.info({ attempt: job.attempts, settings: job.settings }, 'training job started');
    let outcome: { ok: true; checkpoint: CheckpointBf16 } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, checkpoint: await this.options.runner(job, { signal: controller.signal, progress, logger }) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      await beats.stop();
    }

    if (outcome.ok) {
      const { checkpoint } = outcome;
      if (await store.succeed(job.id, replica, checkpoint, progress.snapshot.stages)) {
        this.options.onSucceeded?.();
        this.options.metrics?.finished('succeeded', seconds());
        logger.info({ checkpointId: checkpoint.checkpointId, weights: checkpoint.weights.uri, seconds: Math.round(seconds()) }, 'training job succeeded');
        await this.options.onEnded?.(job, 'succeeded');
      } else {
        logger.warn({ checkpointId: checkpoint.checkpointId }, 'training job finished here but is no longer this replica’s; its checkpoint is not announced');
      }
      return;
    }
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    const at = { stage: progress.snapshot.stage, step: progress.snapshot.step };
    if (reason === ABORT_REASONS.shutdown) {
      await store.release(job.id, replica, progress.snapshot);
      this.options.metrics?.finished('released', seconds());
      logger.info(at, 'training job given back to the queue (drain); it resumes from its run dir');
    } else if (reason === ABORT_REASONS.cancel) {
      const ended = await store.finish(job.id, replica, 'cancelled', null, progress.snapshot);
      this.options.metrics?.finished('cancelled', seconds());
      logger.info(at, 'training job cancelled');
      if (ended) await this.options.onEnded?.(job, 'cancelled');
    } else if (reason === ABORT_REASONS.lost) {
      logger.warn(at, 'training job stopped: another replica owns it now');
    } else {
      const message = describeFailure(outcome.error);
      const ended = await store.finish(job.id, replica, 'failed', message, progress.snapshot);
      this.options.metrics?.finished('failed', seconds());
      logger.error({ ...at, error: message }, 'training job failed');
      if (ended) await this.options.onEnded?.(job, 'failed');
    }
  }

  /** Beats the job's row every beatMs with its progress when it changed; aborts the job when a cancel was asked or the job was lost. */
  private beat(jobId: string, controller: AbortController, progress: JobProgress, logger: Platform['logger']): { stop(): Promise<void> } {
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
          logger.warn({ error: String(error) }, 'training job beat failed, will retry');
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
