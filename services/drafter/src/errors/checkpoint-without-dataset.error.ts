import { echo } from '@distillery/contracts';

/** Thrown when a checkpoints.bf16 event's lineage names no datasets.ready event (`parentEventIds`): the drafter cannot know which prompts its student was trained for. */
export class CheckpointWithoutDatasetError extends Error {
  override readonly name = 'CheckpointWithoutDatasetError';

  constructor(readonly checkpointId: string) {
    super(`checkpoint ${echo(checkpointId)} names no datasets.ready event in its lineage (parentEventIds): no EAGLE prompts to draft on`);
  }
}
