/**
 * Thrown by the deserializers of @distillery/proto when bytes are not a valid encoding of the
 * message (cut short, a length past the end, a string that is not UTF-8, a broken varint).
 */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
  constructor(
    /** What was decoded, e.g. `CreateSession request`. */
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what} does not decode: ${reason}`);
  }
}
