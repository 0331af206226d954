/** Thrown when a business change cannot apply: an unknown tool or vehicle, a tool that must stay, or rules the patch would make invalid. */
export class InvalidBusinessChangeError extends Error {
  override readonly name = 'InvalidBusinessChangeError';
  constructor(
    message: string,
    /** `not-found` when the change names something that does not exist. */
    readonly reason: 'invalid' | 'not-found' = 'invalid',
  ) {
    super(message);
  }
}
