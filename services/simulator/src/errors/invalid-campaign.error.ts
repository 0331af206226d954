import { listProblems } from '@distillery/service-kit';

/** Thrown when a campaign request does not validate (POST /simulator/campaigns answers 400 with the first problems and how many more). */
export class InvalidCampaignError extends Error {
  override readonly name = 'InvalidCampaignError';
  constructor(
    /** The first problems, each naming its field (at most ten). */
    readonly problems: readonly string[],
    /** How many problems there are in all. */
    readonly total = problems.length,
  ) {
    super(`invalid campaign: ${listProblems(problems, total)}`);
  }
}
