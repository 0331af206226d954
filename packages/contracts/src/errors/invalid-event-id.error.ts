/** Thrown when a producer gives an event id that is not a UUID; nothing is sent. */
export class InvalidEventIdError extends Error {
  override readonly name = 'InvalidEventIdError';
  constructor(
    readonly topic: string,
    readonly id: string,
  ) {
    super(`event id for ${topic} must be a UUID, got ${JSON.stringify(id.slice(0, 64))}`);
  }
}
