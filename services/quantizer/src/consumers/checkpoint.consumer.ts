import type { BusRecord } from '@distillery/bus';
import { type CheckpointBf16, type EventEnvelope } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { Inbox } from '@distillery/storage';
import type { CheckpointCatalog } from '../catalog/checkpoint-catalog.js';
import { CheckpointWithoutDatasetError } from '../errors/checkpoint-without-dataset.error.js';
import type { QuantizerJobStore } from '../jobs/quantizer-job-store.js';
import type { QuantizingSettings } from '../jobs/quantizing-settings.js';
import type { QuantizerMetrics } from '../quantizer-metrics.js';

/** The quantizer's consumer group for student checkpoints: replicas share the checkpoints.bf16 partitions. */
export const QUANTIZER_GROUP = 'quantizer';

export interface CheckpointConsumerOptions {
  readonly inbox: Inbox;
  readonly checkpoints: CheckpointCatalog;
  readonly store: QuantizerJobStore;
  readonly settings: QuantizingSettings;
  readonly logger: Platform['logger'];
  readonly metrics?: QuantizerMetrics;
  /** A checkpoint was recorded (a drafter's job may wait for it) or a job queued: wake the queue. */
  readonly onRecorded: () => void;
}

/**
 * Records each checkpoints.bf16 event's student (a drafter announced for it finds it there) and
 * turns it into a queued job that quantizes the student alone, exactly once: the event id goes into
 * the inbox in the same transaction, so a redelivered event queues nothing, and a student already
 * quantized queues nothing either. A checkpoint whose lineage names no datasets.ready event is
 * recorded as a failed job (visible in GET /quantizer/jobs) rather than quantized. Nothing slow
 * runs in the handler.
 */
export class CheckpointConsumer {
  constructor(private readonly options: CheckpointConsumerOptions) {}

  /** Handles one checkpoints.bf16 event, exactly once through the inbox (the service's events controller hands it over). */
  async handle(event: EventEnvelope<CheckpointBf16>, record: BusRecord): Promise<void> {
    const { inbox, checkpoints, store, logger, metrics } = this.options;
    const checkpoint = event.data;
    const log = { eventId: event.id, modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId, datasetId: checkpoint.lineage.datasetId };
    const refusal = checkpoint.lineage.parentEventIds.length === 0 ? new CheckpointWithoutDatasetError(checkpoint.checkpointId).message : undefined;
    const outcome = await inbox.handleOnce(record, async (manager) => {
      await checkpoints.record(manager, checkpoint, event.id);
      return store.enqueueStudent(manager, { checkpoint, eventId: event.id, settings: this.options.settings, ...(refusal ? { refusal } : {}) });
    });
    if (outcome.duplicate) {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, 'checkpoints.bf16 event handled before; no second job');
      return;
    }
    const result = outcome.result;
    if (result.kind === 'already-quantized') {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, 'student already queued, running or quantized; no second job');
    } else if (result.kind === 'refused') {
      metrics?.jobs.inc({ outcome: 'refused' });
      logger.error({ ...log, jobId: result.job.id, error: refusal }, 'checkpoint cannot be quantized; job recorded as failed');
    } else {
      metrics?.jobs.inc({ outcome: 'queued' });
      logger.info({ ...log, jobId: result.job.id }, 'quantizer job queued for the student; it runs once the dataset version it names is recorded');
    }
    this.options.onRecorded();
  }
}
