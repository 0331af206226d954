import type { ArtifactRef } from '@distillery/contracts';
import type { JobRow } from './job-row.js';

/** An artifact as a job API shows it: what it is and its hash, not where the store keeps it. */
export const artifactView = (ref: ArtifactRef) => ({ sha256: ref.sha256, size: ref.size, kind: ref.kind });

/** The end of a job as a job API shows it: its announcement, error (paths hidden by `hidePaths`), attempts, runner and times. */
export function jobRunView(job: JobRow, hidePaths: (text: string) => string) {
  return {
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

/** Replaces each of `roots` (absolute dirs) in a text with its name, e.g. `$DISTILLERY_DATA_DIR/drafter/job_…`. */
export function pathHider(roots: Readonly<Record<string, string>>): (text: string) => string {
  const entries = Object.entries(roots).filter(([, root]) => root.length > 1).sort((a, b) => b[1].length - a[1].length);
  return (text) => entries.reduce((hidden, [name, root]) => hidden.replaceAll(root, name), text);
}
