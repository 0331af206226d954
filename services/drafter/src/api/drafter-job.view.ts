import type { ArtifactRef } from '@distillery/contracts';
import type { DrafterJobEntity } from '../jobs/drafter-job.entity.js';

/** An artifact as the API shows it: what it is and its hash, not where the store keeps it. */
const artifact = (ref: ArtifactRef) => ({ sha256: ref.sha256, size: ref.size, kind: ref.kind });

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
    drafter: job.drafter ? { manifest: artifact(job.drafter.manifest), weights: artifact(job.drafter.weights), config: artifact(job.drafter.config) } : null,
    eventId: job.eventId,
    error: job.error === null ? null : hidePaths(job.error),
    attempts: job.attempts,
    runner: job.runner,
    cancelRequested: job.cancelRequested,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    updatedAt: job.updatedAt,
  };
}

export type DrafterJobView = ReturnType<typeof drafterJobView>;

/** Replaces each of `roots` (absolute dirs) in a text with its name, e.g. `$DISTILLERY_DATA_DIR/drafter/job_…`. */
export function pathHider(roots: Readonly<Record<string, string>>): (text: string) => string {
  const entries = Object.entries(roots).filter(([, root]) => root.length > 1).sort((a, b) => b[1].length - a[1].length);
  return (text) => entries.reduce((hidden, [name, root]) => hidden.replaceAll(root, name), text);
}
