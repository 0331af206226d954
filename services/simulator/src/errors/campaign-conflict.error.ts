import { echo } from '@distillery/contracts';

/** Thrown when a campaign is created with the id of an existing campaign but a different spec (409). */
export class CampaignConflictError extends Error {
  override readonly name = 'CampaignConflictError';
  constructor(readonly campaignId: string) {
    super(`campaign ${echo(campaignId)} exists with a different spec; choose another campaignId`);
  }
}
