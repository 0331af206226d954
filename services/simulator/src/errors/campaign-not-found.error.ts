import { echo } from '@distillery/contracts';

/** Thrown when a campaign id names no campaign (404; the message quotes no more than a short prefix of the id). */
export class CampaignNotFoundError extends Error {
  override readonly name = 'CampaignNotFoundError';
  constructor(readonly campaignId: string) {
    super(`no campaign ${echo(campaignId)}`);
  }
}
