/**
 * Thrown when a compute job ends without its result: a non-zero exit (2: bad input, the job's
 * one-line reason on stderr), a kill by a signal nobody asked for, an exit 0 without the result
 * event, or an interpreter that cannot be started (exitCode null).
 */
export class ComputeJobError extends Error {
  override readonly name = 'ComputeJobError';

  constructor(
    /** The command, e.g. `python -m distillery_compute train`. */
    readonly command: string,
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last lines the job wrote to stderr, oldest first. */
    readonly stderrTail: readonly string[],
    what?: string,
  ) {
    // A job that refuses its input says why in one line `distillery_compute <command>: <what>`; else the traceback's end.
    const reason = stderrTail.findLast((line) => line.startsWith('distillery_compute')) ?? stderrTail.slice(-3).join(' | ');
    super(`${command} ${what ?? (signal ? `was killed by ${signal}` : `exited ${exitCode}`)}${reason ? `: ${reason}` : ''}`);
  }

  /** Exit code 2: the job refused its input (a missing file, a bad row, an unknown preset …); running it again will not help. */
  get badInput(): boolean {
    return this.exitCode === 2;
  }
}
