import { JobQueue, type JobQueueOptions } from '@distillery/jobs';
import type { QuantizerJobEntity } from '../jobs/quantizer-job.entity.js';
import type { QuantizedOutcome } from '../jobs/quantizer-job-store.js';
import { QuantizerProgress, type QuantizingSnapshot } from '../jobs/quantizer-progress.js';

export type QuantizingQueueOptions = JobQueueOptions<QuantizerJobEntity, QuantizingSnapshot, QuantizerProgress, QuantizedOutcome>;

/**
 * Runs queued quantizer jobs, oldest first, `slots` at a time on this replica (1: one at a time), as
 * every JobQueue does: beats, cancels from any replica, drains and stale requeues. A job given back
 * resumes with the figures it had, and in its run dir with the calibration it made.
 */
export class QuantizingQueue extends JobQueue<QuantizerJobEntity, QuantizingSnapshot, QuantizerProgress, QuantizedOutcome> {
  protected progressOf(job: QuantizerJobEntity): QuantizerProgress {
    return new QuantizerProgress({ results: job.results });
  }

  protected logFields(job: QuantizerJobEntity): Record<string, unknown> {
    return { modelId: job.modelId, checkpointId: job.checkpointId, drafterId: job.drafterId };
  }

  protected startFields(job: QuantizerJobEntity): Record<string, unknown> {
    return { datasetId: job.datasetId, datasetVersion: job.datasetVersion, settings: job.settings };
  }

  protected outcomeFields(quantized: QuantizedOutcome): Record<string, unknown> {
    return { fp8Id: quantized.fp8Id, clipRate: quantized.fp8.clipRates.total, metrics: quantized.metrics };
  }
}
