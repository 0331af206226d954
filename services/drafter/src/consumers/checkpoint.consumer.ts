import type { BusRecord } from '@distillery/bus';
import { type CheckpointBf16, type EventEnvelope } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { Inbox } from '@distillery/storage';
import type { DrafterMetrics } from '../drafter-metrics.js';
import { CheckpointWithoutDatasetError } from '../errors/checkpoint-without-dataset.error.js';
import type { DrafterJobStore } from '../jobs/drafter-job-store.js';
import type { DraftingSettings } from '../jobs/drafting-settings.js';

/** The drafter's consumer group for student checkpoints: replicas share the checkpoints.bf16 partitions. */
export const DRAFTER_GROUP = 'drafter';

export interface CheckpointConsumerOptions {
  readonly inbox: Inbox;
  readonly store: DrafterJobStore;
  readonly settings: DraftingSettings;
  readonly logger: Platform['logger'];
  readonly metrics?: DrafterMetrics;
  /** A job was queued (wake the queue). */
  readonly onQueued: () => void;
}

/**
 * Turns each checkpoints.bf16 event into a queued drafter job, exactly once: the event id goes into
 * the inbox in the job's transaction, so a redelivered event queues nothing, and a checkpoint
 * already drafted for queues nothing either. A checkpoint whose lineage names no datasets.ready
 * event is recorded as a failed job (visible in GET /drafter/jobs) rather than drafted. Nothing
 * slow runs in the handler.
 */
export class CheckpointConsumer {
  constructor(private readonly options: CheckpointConsumerOptions) {}

  /** Handles one checkpoints.bf16 event, exactly once through the inbox (the service's events controller hands it over). */
  async handle(event: EventEnvelope<CheckpointBf16>, record: BusRecord): Promise<void> {
    const { inbox, store, logger, metrics } = this.options;
    const checkpoint = event.data;
    const log = { eventId: event.id, modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId, datasetId: checkpoint.lineage.datasetId };
    const refusal = checkpoint.lineage.parentEventIds.length === 0 ? new CheckpointWithoutDatasetError(checkpoint.checkpointId).message : undefined;
    const outcome = await inbox.handleOnce(record, (manager) => store.enqueue(manager, { checkpoint, eventId: event.id, settings: this.options.settings, ...(refusal ? { refusal } : {}) }));
    if (outcome.duplicate) {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, 'checkpoints.bf16 event handled before; no second job');
      return;
    }
    const result = outcome.result;
    if (result.kind === 'already-drafted') {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, 'checkpoint already queued, running or drafted for; no second job');
    } else if (result.kind === 'refused') {
      metrics?.jobs.inc({ outcome: 'refused' });
      logger.error({ ...log, jobId: result.job.id, error: refusal }, 'checkpoint cannot be drafted for; job recorded as failed');
    } else {
      metrics?.jobs.inc({ outcome: 'queued' });
      logger.info({ ...log, jobId: result.job.id }, 'drafter job queued; it runs once the dataset version it names is recorded');
      this.options.onQueued();
    }
  }
}
