/** Thrown when the manifest a checkpoints.bf16 or drafters.ready event points at lists other weights than the event announces. */
export class AnnouncedWeightsMismatchError extends Error {
  override readonly name = 'AnnouncedWeightsMismatchError';

  constructor(
    /** `checkpoint ckpt_1`, `drafter eagle_1`. */
    readonly what: string,
    readonly announced: string,
    readonly listed: string | undefined,
  ) {
    super(`${what}: its manifest lists model.safetensors ${listed ?? '(none)'}, the announcement names ${announced}`);
  }
}
