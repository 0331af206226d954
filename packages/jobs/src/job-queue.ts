import { PollLoop } from '@distillery/bus';
import { ComputeJobError } from '@distillery/compute';
import type { Logger } from 'pino';
import type { JobRow } from './job-row.js';
import { jobAbortReasons, type JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';
import type { JobSnapshot, TrackedProgress } from './tracked-progress.js';

/** How a job's run on this replica ended, for the metrics. */
export type JobRunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'released';

/** The numbers a queue keeps on the service's /metrics. */
export interface JobQueueMetrics {
  /** Jobs running on this replica. */
  readonly running: { set(value: number): void };
  finished(outcome: JobRunOutcome, seconds: number): void;
}

export interface JobQueueOptions<Job extends JobRow, Snapshot extends JobSnapshot, Progress extends TrackedProgress<Snapshot>, Outcome> {
  readonly store: JobStore<Job, Snapshot, Outcome>;
  readonly runner: JobRunner<Job, Progress, Outcome>;
  /** Jobs run at once (one per compute slot); 0 runs none. */
  readonly slots: number;
  /** Names this replica in the rows it claims. */
  readonly replica: string;
  readonly logger: Logger;
  readonly metrics?: JobQueueMetrics;
  /** After a job's event commits with its success (wake the outbox relay). */
  readonly onSucceeded?: (job: Job, outcome: Outcome) => void;
  /** After a job ended here for good (its run dir can go: nothing will resume it). */
  readonly onEnded?: (job: Job, status: 'succeeded' | 'failed' | 'cancelled') => Promise<void>;
  /** How often to look for queued jobs when not woken (default 1 s). */
  readonly pollMs?: number;
  /** How often a running job's row gets its beat and progress (default 1 s: never more writes than that). */
  readonly beatMs?: number;
  /** A running job whose replica has not beaten for this long is queued again (default 30 s). */
  readonly leaseMs?: number;
  /** Queue every running job again at start (embedded mode: no other replica can be running them). */
  readonly requeueAllOnStart?: boolean;
}

interface ActiveJob<Job, Progress> {
  readonly job: Job;
  readonly controller: AbortController;
  readonly progress: Progress;
  readonly done: Promise<void>;
}

/**
 * Runs a service's queued jobs, oldest first, at most `slots` at a time on this replica. Each
 * running job's row gets a beat (with its progress, when it changed) every `beatMs`; a cancel asked
 * on any replica reaches the job there. `stop()` gives the running jobs back to the queue, and a
 * job left running by a replica that stopped is queued again: either way it resumes from its run dir.
 *
 * A service's queue says what is its own: how a job's progress starts from its row, and what the
 * job's log lines name.
 */
export abstract class JobQueue<Job extends JobRow, Snapshot extends JobSnapshot, Progress extends TrackedProgress<Snapshot>, Outcome> {
  private readonly active = new Map<string, ActiveJob<Job, Progress>>();
  private readonly loop: PollLoop;
  private readonly beatMs: number;
  private readonly leaseMs: number;
  private readonly noun: string;
  private readonly reasons: ReturnType<typeof jobAbortReasons>;
  private checkedStale: number | undefined;

  constructor(private readonly options: JobQueueOptions<Job, Snapshot, Progress, Outcome>) {
    this.beatMs = options.beatMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.noun = options.store.noun;
    this.reasons = jobAbortReasons(options.store.service);
    this.loop = new PollLoop(() => this.pass(), {
      pollMs: options.pollMs ?? 1_000,
      onError: (error) => this.options.logger.warn({ error: String(error) }, `${this.noun} queue: looking for jobs failed, will retry`),
    });
  }

  /** A job's progress as its row says it (a job given back by a drain goes on from there). */
  protected abstract progressOf(job: Job): Progress;

  /** What every log line about the job names besides its id. */
  protected abstract logFields(job: Job): Record<string, unknown>;

  /** What the line that starts the job names besides its attempt (its settings …). */
  protected abstract startFields(job: Job): Record<string, unknown>;

  /** What the lines that end a job that succeeded name of what it produced. */
  protected abstract outcomeFields(outcome: Outcome): Record<string, unknown>;

  start(): void {
    this.loop.start();
  }

  /** Look for queued jobs now (one was just queued, what a job waits for came, or a slot freed). */
  wake(): void {
    this.loop.wake();
  }

  /** The jobs running on this replica. */
  get runningJobs(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Cancels a job wherever it is: a queued one at once, a running one here now, or on its replica at
   * its next beat. Resolves with the job's row; throws the service's not-found error, JobNotCancellableError.
   */
  async cancel(jobId: string): Promise<Job> {
    const job = await this.options.store.requestCancel(jobId);
    this.active.get(jobId)?.controller.abort(this.reasons.cancel);
    // A queued job may hold a run dir from an attempt a drain cut short.
    if (job.status === 'cancelled') await this.options.onEnded?.(job, 'cancelled');
    this.options.logger.info({ jobId, status: job.status }, job.status === 'cancelled' ? `${this.noun} cancelled before it ran` : `${this.noun} cancel requested`);
    return job;
  }

  /** Drain: take no more jobs, stop the running ones and give them back to the queue. */
  async stop(): Promise<void> {
    await this.loop.stop();
    for (const active of this.active.values()) active.controller.abort(this.reasons.shutdown);
    await Promise.all([...this.active.values()].map((active) => active.done));
  }

  /** Queues again what stopped replicas left running (at start, then every half lease), then fills the free slots. */
  private async pass(): Promise<void> {
    const first = this.checkedStale === undefined;
    if (first || Date.now() - this.checkedStale! > this.leaseMs / 2) {
      // Never the jobs running here: a beat late on a loaded machine does not make this replica a stopped one.
      const requeued = await this.options.store.requeueStale(this.leaseMs, first && this.options.requeueAllOnStart === true, [...this.active.keys()]);
      if (requeued.length) this.options.logger.info({ jobs: requeued }, `${this.noun}s left running by a stopped replica queued again`);
      this.checkedStale = Date.now();
    }
    while (this.loop.active && this.active.size < this.options.slots) {
      const job = await this.options.store.claim(this.options.replica);
      if (!job) break;
      this.launch(job);
    }
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const progress = this.progressOf(job);
    const logger = this.options.logger.child({ jobId: job.id, ...this.logFields(job) });
    const done = this.execute(job, controller, progress, logger)
      // The outcome could not be written (the database is away): the job stays running until its lease runs out, then runs again.
      .catch((error: unknown) => logger.error({ error: String(error) }, `${this.noun} outcome not recorded; it is queued again when its lease runs out`))
      .finally(() => {
        this.active.delete(job.id);
        this.options.metrics?.running.set(this.active.size);
        this.wake();
      });
    this.active.set(job.id, { job, controller, progress, done });
    this.options.metrics?.running.set(this.active.size);
  }

  private async execute(job: Job, controller: AbortController, progress: Progress, logger: Logger): Promise<void> {
    const { store, replica } = this.options;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const beats = this.beat(job.id, controller, progress, logger);
    logger.info({ attempt: job.attempts, ...this.startFields(job) }, `${this.noun} started`);
    let outcome: { ok: true; produced: Outcome } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, produced: await this.options.runner(job, { signal: controller.signal, progress, logger }) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      await beats.stop();
    }

    if (outcome.ok) {
      const { produced } = outcome;
      if (await store.succeed(job.id, replica, produced, progress.snapshot)) {
        this.options.onSucceeded?.(job, produced);
        this.options.metrics?.finished('succeeded', seconds());
        logger.info({ ...this.outcomeFields(produced), seconds: Math.round(seconds()) }, `${this.noun} succeeded`);
        await this.options.onEnded?.(job, 'succeeded');
      } else {
        logger.warn(this.outcomeFields(produced), `${this.noun} finished here but is no longer this replica’s; what it made is not announced`);
      }
      return;
    }
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    const at = { stage: progress.snapshot.stage, step: progress.snapshot.step };
    if (reason === this.reasons.shutdown) {
      await store.release(job.id, replica, progress.snapshot);
      this.options.metrics?.finished('released', seconds());
      logger.info(at, `${this.noun} given back to the queue (drain); it resumes from its run dir`);
    } else if (reason === this.reasons.cancel) {
      const ended = await store.finish(job.id, replica, 'cancelled', null, progress.snapshot);
      this.options.metrics?.finished('cancelled', seconds());
      logger.info(at, `${this.noun} cancelled`);
      if (ended) await this.options.onEnded?.(job, 'cancelled');
    } else if (reason === this.reasons.lost) {
      logger.warn(at, `${this.noun} stopped: another replica owns it now`);
    } else {
      const message = describeFailure(outcome.error);
      const ended = await store.finish(job.id, replica, 'failed', message, progress.snapshot);
      this.options.metrics?.finished('failed', seconds());
      logger.error({ ...at, error: message }, `${this.noun} failed`);
      if (ended) await this.options.onEnded?.(job, 'failed');
    }
  }

  /** Beats the job's row every beatMs with its progress when it changed; aborts the job when a cancel was asked or the job was lost. */
  private beat(jobId: string, controller: AbortController, progress: Progress, logger: Logger): { stop(): Promise<void> } {
    let inFlight: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      inFlight = inFlight.then(async () => {
        if (controller.signal.aborted) return;
        const snapshot = progress.takeChanged();
        try {
          const beat = await this.options.store.beat(jobId, this.options.replica, snapshot);
          if (!beat) controller.abort(this.reasons.lost);
          else if (beat.cancelRequested) controller.abort(this.reasons.cancel);
        } catch (error) {
          if (snapshot) progress.markUnwritten();
          logger.warn({ error: String(error) }, `${this.noun} beat failed, will retry`);
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
