/** Thrown when a producer tries to publish a message over the configured size limit; nothing is sent. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`message for ${topic} is ${bytes} bytes, over the ${limit}-byte limit`);
  }
}
