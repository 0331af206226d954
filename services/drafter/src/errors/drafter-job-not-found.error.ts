import { echo } from '@distillery/contracts';

/** Thrown when a job is asked for (read or cancelled) by an id the drafter has no row of. */
export class DrafterJobNotFoundError extends Error {
  override readonly name = 'DrafterJobNotFoundError';

  constructor(readonly jobId: string) {
    super(`no drafter job ${echo(jobId)}`);
  }
}
