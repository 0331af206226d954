/** Thrown when a job runs and the checkpoints.bf16 event of its student is not (or no longer) recorded in the quantizer schema. */
export class CheckpointNotRecordedError extends Error {
  override readonly name = 'CheckpointNotRecordedError';

  constructor(
    readonly modelId: string,
    readonly checkpointId: string,
  ) {
    super(`checkpoint ${modelId}@${checkpointId}: its checkpoints.bf16 event is not recorded`);
  }
}
