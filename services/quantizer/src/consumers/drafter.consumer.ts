import type { BusRecord } from '@distillery/bus';
import { type DrafterReady, type EventEnvelope } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { Inbox } from '@distillery/storage';
import type { QuantizerJobStore } from '../jobs/quantizer-job-store.js';
import type { QuantizingSettings } from '../jobs/quantizing-settings.js';
import type { QuantizerMetrics } from '../quantizer-metrics.js';

/** The quantizer's consumer group for drafters (its own: a group follows one topic). */
export const QUANTIZER_DRAFTERS_GROUP = 'quantizer-drafters';

/**
 * Turns each drafters.ready event into a queued job that quantizes the drafter's student with it,
 * exactly once (the event id goes into the inbox in the job's transaction; a student and drafter
 * already quantized queue nothing). The job runs once its student's checkpoints.bf16 and dataset
 * are recorded and the job of the student alone has ended, whose calibration it reuses.
 */
export class DrafterConsumer {
  constructor(
    private readonly options: {
      readonly inbox: Inbox;
      readonly store: QuantizerJobStore;
      readonly settings: QuantizingSettings;
      readonly logger: Platform['logger'];
      readonly metrics?: QuantizerMetrics;
      /** A job was queued (wake the queue). */
      readonly onQueued: () => void;
    },
  ) {}

  /** Handles one drafters.ready event, exactly once through the inbox (the service's events controller hands it over). */
  async handle(event: EventEnvelope<DrafterReady>, record: BusRecord): Promise<void> {
    const { inbox, store, logger, metrics } = this.options;
    const drafter = event.data;
    const log = { eventId: event.id, modelId: drafter.modelId, checkpointId: drafter.checkpointId, drafterId: drafter.drafterId };
    const outcome = await inbox.handleOnce(record, (manager) => store.enqueueDrafter(manager, { drafter, eventId: event.id, settings: this.options.settings }));
    if (outcome.duplicate || outcome.result.kind === 'already-quantized') {
      metrics?.jobs.inc({ outcome: 'duplicate' });
      logger.info(log, outcome.duplicate ? 'drafters.ready event handled before; no second job' : 'student and drafter already queued, running or quantized; no second job');
      return;
    }
    metrics?.jobs.inc({ outcome: 'queued' });
    logger.info({ ...log, jobId: outcome.result.job.id }, 'quantizer job queued for the student and its drafter; it runs once the student and its dataset are recorded');
    this.options.onQueued();
  }
}
