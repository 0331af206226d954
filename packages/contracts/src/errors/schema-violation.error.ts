/** Thrown when a producer tries to publish data that does not match its topic's schema; nothing is sent. */
export class SchemaViolationError extends Error {
  override readonly name = 'SchemaViolationError';
  constructor(
    readonly topic: string,
    readonly issues: string[],
  ) {
    super(`message for ${topic} does not match its schema: ${issues.join('; ')}`);
  }
}
