/** Thrown when a campaign is created with the id of an existing campaign but a different spec (409). */
export class CampaignConflictError extends Error {
  override readonly name = 'CampaignConflictError';
  constructor(readonly campaignId: string) {
    super(`campaign ${campaignId} exists with a different spec; choose another campaignId`);
  }
}
