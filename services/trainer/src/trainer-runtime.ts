import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { computePython } from '@distillery/compute';
import type { Platform } from '@distillery/service-kit';
import { Inbox, Outbox, OutboxRelay } from '@distillery/storage';
import type { TrainerConfig } from './config/trainer.config.js';
import { DatasetReadyConsumer, TRAINER_GROUP } from './consumers/dataset-ready.consumer.js';
import { TrainingJobStore } from './jobs/training-job-store.js';
import { trainingSettingsOf } from './jobs/training-settings.js';
import { TrainingQueue } from './queue/training-queue.js';
import { TrainerMetrics } from './trainer-metrics.js';
import { CheckpointTrainer } from './training/checkpoint-trainer.js';

/**
 * A running trainer replica: the datasets.ready consumer queues jobs, the queue runs them one per
 * compute slot through the compute plane, and the outbox relay publishes checkpoints.bf16.
 */
export class TrainerRuntime {
  private constructor(
    /** Names this replica in the jobs it runs and in its logs. */
    readonly replica: string,
    readonly store: TrainingJobStore,
    readonly queue: TrainingQueue,
    /** Turns datasets.ready into jobs (`TrainerEventsController` hands the events over). */
    readonly datasets: DatasetReadyConsumer,
    private readonly relay: OutboxRelay,
    private readonly logger: Platform['logger'],
  ) {}

  static async start(platform: Platform, config: TrainerConfig): Promise<TrainerRuntime> {
    const { dataSource } = platform.database;
    const replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const logger = platform.logger.child({ component: 'trainer' });
    const python = computePython(config);
    const metrics = new TrainerMetrics(platform.metrics.registry);
    const relay = new OutboxRelay({ dataSource, bus: platform.bus, schema: 'trainer', logger });
    relay.start();
    const store = new TrainingJobStore(dataSource, new Outbox('trainer'));
    const trainer = new CheckpointTrainer({ artifacts: platform.artifacts, dataDir: resolve(platform.config.DISTILLERY_DATA_DIR), ...(python ? { python } : {}), killGraceMs: 5_000 });
    // Without the compute plane, jobs are recorded and wait: they run once it is there and the service restarts.
    if (!python) logger.error('no compute Python (set DISTILLERY_COMPUTE_PYTHON or run bash compute/bootstrap.sh): training jobs are queued and not run');
    const queue = new TrainingQueue({
      store,
      runner: trainer.train,
      slots: python ? config.DISTILLERY_TRAINER_SLOTS : 0,
      replica,
      logger,
      metrics,
      onSucceeded: () => relay.wake(),
      onEnded: (job, status) => trainer.runDirs.ended(job.id, status, logger),
      requeueAllOnStart: platform.config.DISTILLERY_MODE === 'embedded',
    });
    queue.start();
    const settings = trainingSettingsOf(config);
    const consumer = new DatasetReadyConsumer({
      inbox: new Inbox(dataSource, 'trainer', TRAINER_GROUP),
      store,
      modelId: config.DISTILLERY_TRAINER_MODEL_ID,
      settings,
      logger,
      metrics,
      onQueued: () => queue.wake(),
    });
    logger.info({ modelId: config.DISTILLERY_TRAINER_MODEL_ID, slots: config.DISTILLERY_TRAINER_SLOTS, settings, python, replica }, 'trainer ready for datasets.ready');
    return new TrainerRuntime(replica, store, queue, consumer, relay, logger);
  }

  /** As the drain begins: the running jobs go back to the queue at once (they resume from their run dirs), not after the consumers' drain. */
  async drainStarts(): Promise<void> {
    await this.queue.stop();
  }

  /** Drain (the consumers have drained, the jobs were given back in drainStarts): then publish what the outbox holds. */
  async stop(): Promise<void> {
    await this.queue.stop();
    await this.relay.stop();
    this.logger.info('trainer stopped');
  }
}
