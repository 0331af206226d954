import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { computePython } from '@distillery/compute';
import type { Platform } from '@distillery/service-kit';
import { Inbox, Outbox, OutboxRelay } from '@distillery/storage';
import type { DrafterConfig } from './config/drafter.config.js';
import { CheckpointConsumer, DRAFTER_GROUP } from './consumers/checkpoint.consumer.js';
import type { DatasetReadyRecorder } from '@distillery/jobs';
import type { DrafterPart } from './datasets/dataset-catalog.js';
import { datasetReadyConsumer, DRAFTER_DATASETS_GROUP } from './consumers/dataset-ready.consumer.js';
import { DrafterDatasetCatalog } from './datasets/dataset-catalog.js';
import { DrafterMetrics } from './drafter-metrics.js';
import { DrafterTrainer } from './drafting/drafter-trainer.js';
import { DrafterJobStore } from './jobs/drafter-job-store.js';
import { draftingSettingsOf } from './jobs/drafting-settings.js';
import { DraftingQueue } from './queue/drafting-queue.js';

/**
 * A running drafter replica: the datasets.ready consumer records where each dataset version's
 * EAGLE prompts are, the checkpoints.bf16 consumer queues a job per student checkpoint, the queue
 * runs them one at a time through the compute plane, and the outbox relay publishes drafters.ready.
 */
export class DrafterRuntime {
  private constructor(
    readonly replica: string,
    readonly store: DrafterJobStore,
    readonly queue: DraftingQueue,
    /** Where the data dir is, to keep it out of what the API answers. */
    readonly dataDir: string,
    /** Record datasets.ready and turn checkpoints.bf16 into jobs (`DrafterEventsController` hands the events over). */
    readonly consumers: { readonly datasets: DatasetReadyRecorder<DrafterPart>; readonly checkpoints: CheckpointConsumer },
    private readonly relay: OutboxRelay,
    private readonly logger: Platform['logger'],
  ) {}

  static async start(platform: Platform, config: DrafterConfig): Promise<DrafterRuntime> {
    const { dataSource } = platform.database;
    const replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const logger = platform.logger.child({ component: 'drafter' });
    const python = computePython(config);
    const dataDir = resolve(platform.config.DISTILLERY_DATA_DIR);
    const store = new DrafterJobStore(dataSource, new Outbox('drafter'));
    const metrics = new DrafterMetrics(platform.metrics.registry, () => store.countByStatus());
    const relay = new OutboxRelay({ dataSource, bus: platform.bus, schema: 'drafter', logger });
    relay.start();
    const datasets = new DrafterDatasetCatalog(dataSource);
    const trainer = new DrafterTrainer({ artifacts: platform.artifacts, datasets, dataDir, ...(python ? { python } : {}), killGraceMs: 5_000 });
    // Without the compute plane, jobs are recorded and wait: they run once it is there and the service restarts.
    if (!python) logger.error('no compute Python (set DISTILLERY_COMPUTE_PYTHON or run bash compute/bootstrap.sh): drafter jobs are queued and not run');
    const queue = new DraftingQueue({
      store,
      runner: trainer.train,
      slots: python ? config.DISTILLERY_DRAFTER_SLOTS : 0,
      replica,
      logger,
      metrics,
      onSucceeded: (_job, outcome) => {
        relay.wake();
        const { acceptanceLength, chainAcceptanceLength } = outcome.drafter.metrics;
        if (acceptanceLength !== undefined) metrics.acceptanceLength.set({ method: 'tree' }, acceptanceLength);
        if (chainAcceptanceLength !== undefined) metrics.acceptanceLength.set({ method: 'chain' }, chainAcceptanceLength);
      },
      onEnded: (job, status) => trainer.runDirs.ended(job.id, status, logger),
      requeueAllOnStart: platform.config.DISTILLERY_MODE === 'embedded',
    });
    queue.start();
    const settings = draftingSettingsOf(config);
    const datasetConsumer = datasetReadyConsumer({ inbox: new Inbox(dataSource, 'drafter', DRAFTER_DATASETS_GROUP), datasets, logger, onRecorded: () => queue.wake() });
    const checkpointConsumer = new CheckpointConsumer({ inbox: new Inbox(dataSource, 'drafter', DRAFTER_GROUP), store, settings, logger, metrics, onQueued: () => queue.wake() });
    logger.info({ slots: config.DISTILLERY_DRAFTER_SLOTS, settings, python, replica }, 'drafter ready for datasets.ready and checkpoints.bf16');
    return new DrafterRuntime(replica, store, queue, dataDir, { datasets: datasetConsumer, checkpoints: checkpointConsumer }, relay, logger);
  }

  /** As the drain begins: the running jobs go back to the queue at once (they resume from their run dirs), not after the consumers' drain. */
  async drainStarts(): Promise<void> {
    await this.queue.stop();
  }

  /** Drain (the consumers have drained, the jobs were given back in drainStarts): then publish what the outbox holds. */
  async stop(): Promise<void> {
    await this.queue.stop();
    await this.relay.stop();
    this.logger.info('drafter stopped');
  }
}
