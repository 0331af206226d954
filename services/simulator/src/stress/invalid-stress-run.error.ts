import { listProblems } from '@distillery/service-kit';

/** Thrown when a stress run request does not validate (POST /stress-runs answers 400 with the first problems, each naming its field). */
export class InvalidStressRunError extends Error {
  override readonly name = 'InvalidStressRunError';
  constructor(
    /** The first problems, each naming its field (at most ten). */
    readonly problems: readonly string[],
    /** How many problems there are in all. */
    readonly total = problems.length,
  ) {
    super(`invalid stress run: ${listProblems(problems, total)}`);
  }
}
