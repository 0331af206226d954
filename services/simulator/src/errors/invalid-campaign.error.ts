/** Thrown when a campaign request does not validate (POST /simulator/campaigns answers 400 with each problem). */
export class InvalidCampaignError extends Error {
  override readonly name = 'InvalidCampaignError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid campaign: ${problems.join('; ')}`);
  }
}
