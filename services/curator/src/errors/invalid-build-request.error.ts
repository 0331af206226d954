import { listProblems } from '@distillery/service-kit';

/** Thrown when a POST /curator/datasets body does not validate (400 with the first problems, each naming its field). */
export class InvalidBuildRequestError extends Error {
  override readonly name = 'InvalidBuildRequestError';
  constructor(
    /** The first problems, each naming its field (at most ten). */
    readonly problems: readonly string[],
    /** How many problems there are in all. */
    readonly total = problems.length,
  ) {
    super(listProblems(problems, total));
  }
}
