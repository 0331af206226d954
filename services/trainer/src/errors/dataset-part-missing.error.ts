/** Thrown when a datasets.ready event lacks a part the student's stages train on (cpt, sft, dpo). */
export class DatasetPartMissingError extends Error {
  override readonly name = 'DatasetPartMissingError';

  constructor(
    readonly datasetId: string,
    readonly version: number,
    readonly missing: readonly string[],
    present: readonly string[],
  ) {
    super(`dataset ${datasetId} v${version} has no ${missing.join(', ')} part (it has ${present.join(', ') || 'none'}): nothing to train on`);
  }
}
