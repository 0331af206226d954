/** Thrown when publishing to or subscribing to a topic that was never created (topics are created explicitly at start-up). */
export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist; create it at start-up with ensureTopics()`);
  }
}
