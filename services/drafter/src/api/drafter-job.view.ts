import { artifactView, jobRunView } from '@distillery/jobs';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';

/**
 * A job as GET /drafter/jobs answers it: status, stage and step, the per-set data and per-variant
 * figures, the announced metrics and drafter (by hash) — and no file paths: the run dir, the store's
 * URIs and the data dir in an error's text are left out or replaced (`hidePaths`).
 */
export function drafterJobView(job: DrafterJobEntity, hidePaths: (text: string) => string) {
  return {
    id: job.id,
    status: job.status,
    modelId: job.modelId,
    checkpointId: job.checkpointId,
    checkpointEventId: job.checkpointEventId,
    dataset: { datasetId: job.datasetId, version: job.datasetVersion, eventId: job.datasetEventId, waitingFor: job.status === 'queued' && !job.datasetEventId ? job.datasetEventIds : [] },
    settings: job.settings,
    stage: job.stage,
    step: job.step,
    total: job.total,
    loss: job.loss,
    progress: job.progress,
    results: job.results,
    best: job.best,
    metrics: job.metrics,
    drafterId: job.drafterId,
    drafter: job.drafter ? { manifest: artifactView(job.drafter.manifest), weights: artifactView(job.drafter.weights), config: artifactView(job.drafter.config) } : null,
    ...jobRunView(job, hidePaths),
  };
}

export type DrafterJobView = ReturnType<typeof drafterJobView>;
