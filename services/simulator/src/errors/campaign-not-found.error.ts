/** Thrown when a campaign id names no campaign (404). */
export class CampaignNotFoundError extends Error {
  override readonly name = 'CampaignNotFoundError';
  constructor(readonly campaignId: string) {
    super(`no campaign ${campaignId}`);
  }
}
