import { echo } from '@distillery/contracts';

/** Thrown when a job is asked for (read or cancelled) by an id the quantizer has no row of. */
export class QuantizerJobNotFoundError extends Error {
  override readonly name = 'QuantizerJobNotFoundError';

  constructor(readonly jobId: string) {
    super(`no quantizer job ${echo(jobId)}`);
  }
}
