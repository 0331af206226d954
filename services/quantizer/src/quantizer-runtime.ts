import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { computePython } from '@distillery/compute';
import type { Platform } from '@distillery/service-kit';
import { Inbox, Outbox, OutboxRelay } from '@distillery/storage';
import { CheckpointCatalog } from './catalog/checkpoint-catalog.js';
import { QuantizerDatasetCatalog } from './catalog/dataset-catalog.js';
import type { QuantizerConfig } from './config/quantizer.config.js';
import { CheckpointConsumer, QUANTIZER_GROUP } from './consumers/checkpoint.consumer.js';
import type { DatasetReadyRecorder } from '@distillery/jobs';
import type { QuantizerPart } from './catalog/dataset-catalog.js';
import { datasetReadyConsumer, QUANTIZER_DATASETS_GROUP } from './consumers/dataset-ready.consumer.js';
import { DrafterConsumer, QUANTIZER_DRAFTERS_GROUP } from './consumers/drafter.consumer.js';
import { QuantizerJobStore } from './jobs/quantizer-job-store.js';
import { quantizingSettingsOf } from './jobs/quantizing-settings.js';
import { QuantizerMetrics } from './quantizer-metrics.js';
import { Quantizer } from './quantizing/quantizer.js';
import { QuantizingQueue } from './queue/quantizing-queue.js';

/**
 * A running quantizer replica: the datasets.ready consumer records where each dataset version's
 * calibration texts are, the checkpoints.bf16 consumer records each student and queues its job, the
 * drafters.ready consumer queues a job per student and drafter, the queue runs them one at a time
 * through the compute plane, and the outbox relay publishes checkpoints.fp8.
 */
export class QuantizerRuntime {
  private constructor(
    readonly replica: string,
    readonly store: QuantizerJobStore,
    readonly queue: QuantizingQueue,
    /** Where the data dir is, to keep it out of what the API answers. */
    readonly dataDir: string,
    /** Record datasets.ready and checkpoints.bf16, queue jobs for drafters.ready (`QuantizerEventsController` hands the events over). */
    readonly consumers: { readonly datasets: DatasetReadyRecorder<QuantizerPart>; readonly checkpoints: CheckpointConsumer; readonly drafters: DrafterConsumer },
    private readonly relay: OutboxRelay,
    private readonly logger: Platform['logger'],
  ) {}

  static async start(platform: Platform, config: QuantizerConfig): Promise<QuantizerRuntime> {
    const { dataSource } = platform.database;
    const replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const logger = platform.logger.child({ component: 'quantizer' });
    const python = computePython(config);
    const dataDir = resolve(platform.config.DISTILLERY_DATA_DIR);
    const store = new QuantizerJobStore(dataSource, new Outbox('quantizer'));
    const metrics = new QuantizerMetrics(platform.metrics.registry, () => store.countByStatus());
    const relay = new OutboxRelay({ dataSource, bus: platform.bus, schema: 'quantizer', logger });
    relay.start();
    const datasets = new QuantizerDatasetCatalog(dataSource);
    const checkpoints = new CheckpointCatalog(dataSource);
    const quantizer = new Quantizer({ artifacts: platform.artifacts, datasets, checkpoints, dataDir, ...(python ? { python } : {}), killGraceMs: 5_000 });
    // Without the compute plane, jobs are recorded and wait: they run once it is there and the service restarts.
    if (!python) logger.error('no compute Python (set DISTILLERY_COMPUTE_PYTHON or run bash compute/bootstrap.sh): quantizer jobs are queued and not run');
    const queue = new QuantizingQueue({
      store,
      runner: quantizer.quantize,
      slots: python ? config.DISTILLERY_QUANTIZER_SLOTS : 0,
      replica,
      logger,
      metrics,
      onSucceeded: (_job, outcome) => {
        relay.wake();
        metrics.announced(outcome.metrics);
      },
      onEnded: (job, status) => quantizer.runDirs.ended(job.id, status, logger),
      requeueAllOnStart: platform.config.DISTILLERY_MODE === 'embedded',
    });
    queue.start();
    const settings = quantizingSettingsOf(config);
    const wake = () => queue.wake();
    const consumers = {
      datasets: datasetReadyConsumer({ inbox: new Inbox(dataSource, 'quantizer', QUANTIZER_DATASETS_GROUP), datasets, logger, onRecorded: wake }),
      checkpoints: new CheckpointConsumer({ inbox: new Inbox(dataSource, 'quantizer', QUANTIZER_GROUP), checkpoints, store, settings, logger, metrics, onRecorded: wake }),
      drafters: new DrafterConsumer({ inbox: new Inbox(dataSource, 'quantizer', QUANTIZER_DRAFTERS_GROUP), store, settings, logger, metrics, onQueued: wake }),
    };
    logger.info({ slots: config.DISTILLERY_QUANTIZER_SLOTS, settings, python, replica }, 'quantizer ready for datasets.ready, checkpoints.bf16 and drafters.ready');
    return new QuantizerRuntime(replica, store, queue, dataDir, consumers, relay, logger);
  }

  /** As the drain begins: the running jobs go back to the queue at once (they resume from their run dirs), not after the consumers' drain. */
  async drainStarts(): Promise<void> {
    await this.queue.stop();
  }

  /** Drain (the consumers have drained, the jobs were given back in drainStarts): then publish what the outbox holds. */
  async stop(): Promise<void> {
    await this.queue.stop();
    await this.relay.stop();
    this.logger.info('quantizer stopped');
  }
}
