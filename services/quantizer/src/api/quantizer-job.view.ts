import type { ArtifactRef } from '@distillery/contracts';
import type { QuantizerJobEntity } from '../jobs/quantizer-job.entity.js';

/** An artifact as the API shows it: what it is and its hash, not where the store keeps it. */
const artifact = (ref: ArtifactRef) => ({ sha256: ref.sha256, size: ref.size, kind: ref.kind });

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
    fp8: job.fp8 ? { manifest: artifact(job.fp8.manifest), student: artifact(job.fp8.student), drafter: job.fp8.drafter ? artifact(job.fp8.drafter) : null } : null,
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

export type QuantizerJobView = ReturnType<typeof quantizerJobView>;

/** Replaces each of `roots` (absolute dirs) in a text with its name, e.g. `$DISTILLERY_DATA_DIR/quantizer/job_…`. */
export function pathHider(roots: Readonly<Record<string, string>>): (text: string) => string {
  const entries = Object.entries(roots).filter(([, root]) => root.length > 1).sort((a, b) => b[1].length - a[1].length);
  return (text) => entries.reduce((hidden, [name, root]) => hidden.replaceAll(root, name), text);
}
