import { echo } from '@distillery/contracts';

/** Thrown when a checkpoints.bf16 event's lineage names no datasets.ready event (`parentEventIds`): the quantizer cannot know which calibration texts and held-out rows go with its student. */
export class CheckpointWithoutDatasetError extends Error {
  override readonly name = 'CheckpointWithoutDatasetError';

  constructor(readonly checkpointId: string) {
    super(`checkpoint ${echo(checkpointId)} names no datasets.ready event in its lineage (parentEventIds): no calibration texts to quantize with`);
  }
}
