/** Thrown when a job runs and the datasets.ready event its checkpoint names is not (or no longer) recorded in the service's schema (`<service>.datasets`). */
export class DatasetNotRecordedError extends Error {
  override readonly name = 'DatasetNotRecordedError';

  constructor(
    readonly checkpointId: string,
    readonly eventIds: readonly string[],
  ) {
    super(`checkpoint ${checkpointId}: none of the datasets.ready events it names (${eventIds.join(', ') || 'none'}) is recorded`);
  }
}
