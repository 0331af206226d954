import { echo } from '@distillery/contracts';

/** Thrown when a build is asked for a campaign the curator has neither been told of (campaigns.completed) nor holds refined turns of. */
export class UnknownCampaignError extends Error {
  override readonly name = 'UnknownCampaignError';

  constructor(readonly campaignId: string) {
    super(`no campaign ${echo(campaignId)}: no campaigns.completed event and no refined turn names it`);
  }
}
