/** Thrown when a model endpoint fails for good (after retries), times out, or answers with something unusable; says which and why. */
export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';
  constructor(
    readonly backend: string,
    readonly reason: 'timeout' | 'http' | 'network' | 'bad-response',
    message: string,
    readonly status?: number,
  ) {
    super(`${backend} model call failed (${reason}${status ? ` ${status}` : ''}): ${message}`);
  }
}
