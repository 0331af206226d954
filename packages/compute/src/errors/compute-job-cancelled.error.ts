/** Thrown when a compute job is stopped through its AbortSignal (SIGTERM, then SIGKILL after the grace period). */
export class ComputeJobCancelledError extends Error {
  override readonly name = 'ComputeJobCancelledError';

  constructor(
    readonly command: string,
    /** The signal's abort reason, as given to `AbortController.abort(reason)`. */
    readonly reason: unknown,
  ) {
    super(`${command} cancelled${reason === undefined ? '' : `: ${reason instanceof Error ? reason.message : String(reason)}`}`);
  }
}
