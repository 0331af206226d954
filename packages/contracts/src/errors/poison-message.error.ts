export type PoisonReason = 'too-large' | 'not-json' | 'not-an-envelope' | 'wrong-type' | 'unsupported-version' | 'schema-invalid';

/** Thrown when a consumed message can never be processed (bad bytes or schema): it goes to the DLQ at once, without retries. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
  constructor(
    readonly reason: PoisonReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}
