import type { JobContext, JobRunner } from '@distillery/jobs';
import type { QuantizerJobEntity } from '../jobs/quantizer-job.entity.js';
import type { QuantizedOutcome } from '../jobs/quantizer-job-store.js';
import type { QuantizerProgress } from '../jobs/quantizer-progress.js';

/** What a running quantizer job is given: its abort signal (cancel, drain) and where its progress goes. */
export type QuantizingContext = JobContext<QuantizerProgress>;

/**
 * Quantizes one job: its FP8 models stored in the artifact store, and the message that announces
 * them; rejects on failure, and when the signal aborts. The queue records the outcome.
 */
export type QuantizingRunner = JobRunner<QuantizerJobEntity, QuantizerProgress, QuantizedOutcome>;
