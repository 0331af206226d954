/** Thrown when the dataset version a job reads lacks a part it needs (the trainer's cpt, sft, dpo; the drafter's eagle, eval; the quantizer's calibration, eval). */
export class DatasetPartMissingError extends Error {
  override readonly name = 'DatasetPartMissingError';

  constructor(
    readonly datasetId: string,
    readonly version: number,
    readonly missing: readonly string[],
    present: readonly string[],
    /** What the job would do with it: "train", "draft", "quantize". */
    purpose: string,
  ) {
    super(`dataset ${datasetId} v${version} has no ${missing.join(', ')} part (it has ${present.join(', ') || 'none'}): nothing to ${purpose} on`);
  }
}
