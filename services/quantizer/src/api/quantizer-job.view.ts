import { artifactView, jobRunView } from '@distillery/jobs';
import type { QuantizerJobEntity } from '../jobs/quantizer-job.entity.js';

/**
 * A job as GET /quantizer/jobs answers it: what it quantizes (the student, and its drafter), status,
 * stage and step, clip rates, BF16 against FP8 and acceptance, the figures and FP8 models (by hash)
 * — and no file paths: the run dir, the store's URIs and the data dir in an error's text are left
 * out or replaced (`hidePaths`).
 */
export function quantizerJobView(job: QuantizerJobEntity, hidePaths: (text: string) => string) {
  return {
    id: job.id,
    status: job.status,
    modelId: job.modelId,
    checkpointId: job.checkpointId,
    drafterId: job.drafterId,
    sourceEventId: job.sourceEventId,
    checkpointEventId: job.checkpointEventId,
    dataset: { datasetId: job.datasetId, version: job.datasetVersion, eventId: job.datasetEventId },
    settings: job.settings,
    stage: job.stage,
    step: job.step,
    total: job.total,
    progress: job.progress,
    results: job.results,
    metrics: job.metrics,
    fp8Id: job.fp8Id,
    fp8: job.fp8 ? { manifest: artifactView(job.fp8.manifest), student: artifactView(job.fp8.student), drafter: job.fp8.drafter ? artifactView(job.fp8.drafter) : null } : null,
    ...jobRunView(job, hidePaths),
  };
}

export type QuantizerJobView = ReturnType<typeof quantizerJobView>;
