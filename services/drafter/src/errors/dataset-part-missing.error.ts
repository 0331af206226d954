/** Thrown when the dataset version a student was trained on lacks a part the drafter job reads (eagle: the prompts it drafts on; eval: where acceptance is measured). */
export class DatasetPartMissingError extends Error {
  override readonly name = 'DatasetPartMissingError';

  constructor(
    readonly datasetId: string,
    readonly version: number,
    readonly missing: readonly string[],
    present: readonly string[],
  ) {
    super(`dataset ${datasetId} v${version} has no ${missing.join(', ')} part (it has ${present.join(', ') || 'none'}): nothing to draft on`);
  }
}
