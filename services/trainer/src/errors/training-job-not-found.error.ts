import { echo } from '@distillery/contracts';
/** Thrown when a job is asked for (read or cancelled) by an id the trainer has no row of. */
export class TrainingJobNotFoundError extends Error {
  override readonly name = 'TrainingJobNotFoundError';

  constructor(readonly jobId: string) {
    super(`no training job ${echo(jobId)}`);
  }
}
