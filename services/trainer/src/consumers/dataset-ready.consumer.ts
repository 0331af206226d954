import { DatasetPartMissingError } from '@distillery/jobs';
import type { BusRecord } from '@distillery/bus';
import { type DatasetReady, type EventEnvelope } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { Inbox } from '@distillery/storage';
import type { TrainingJobStore } from '../jobs/training-job-store.js';
import type { TrainingSettings } from '../jobs/training-settings.js';
import type { TrainerMetrics } from '../trainer-metrics.js';
import { REQUIRED_PARTS } from '../training/checkpoint-trainer.js';

/** The trainer's consumer group: replicas share the datasets.ready partitions. */
export const TRAINER_GROUP = 'trainer';

export interface DatasetReadyConsumerOptions {
  readonly inbox: Inbox;
  readonly store: TrainingJobStore;
  readonly modelId: string;
  readonly settings: TrainingSettings;
  readonly logger: Platform['logger'];
  readonly metrics?: TrainerMetrics;
  /** A job was queued (wake the queue). */
  readonly onQueued: () => void;
}

/**
 * Turns each datasets.ready event into a queued training job, exactly once: the event id goes into
 * the inbox in the job's transaction, so a redelivered event queues nothing. A dataset without the
 * parts the stages need is recorded as a failed job (visible in GET /trainer/jobs) rather than
 * trained. Nothing slow runs in the handler.
 */
export class DatasetReadyConsumer {
  constructor(private readonly options: DatasetReadyConsumerOptions) {}

  /** Handles one datasets.ready event, exactly once through the inbox (the service's events controller hands it over). */
  async handle(event: EventEnvelope<DatasetReady>, record: BusRecord): Promise<void> {
    const { inbox, store, logger, metrics } = this.options;
    const dataset = event.data;
    const log = { eventId: event.id, datasetId: dataset.datasetId, datasetVersion: dataset.version };
    const missing = REQUIRED_PARTS.filter((part) => !dataset.parts[part]);
    const refusal = missing.length ? new DatasetPartMissingError(dataset.datasetId, dataset.version, missing, Object.keys(dataset.parts), 'train').message : undefined;
    const outcome = await inbox.handleOnce(record, (manager) =>
      store.enqueue(manager, { dataset, eventId: event.id, modelId: this.options.modelId, settings: this.options.settings, ...(refusal ? { refusal } : {}) }),
    );
    if (outcome.duplicate) {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, 'datasets.ready event handled before; no second job');
      return;
    }
    const result = outcome.result;
    if (result.kind === 'already-trained') {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, 'dataset version already queued, running or trained for this model; no second job');
    } else if (result.kind === 'refused') {
      metrics?.jobs.inc({ outcome: 'refused' });
      logger.error({ ...log, jobId: result.job.id, error: refusal }, 'dataset cannot be trained; job recorded as failed');
    } else {
      metrics?.jobs.inc({ outcome: 'queued' });
      logger.info({ ...log, jobId: result.job.id, counts: dataset.counts }, 'training job queued');
      this.options.onQueued();
    }
  }
}
