import type { BusRecord } from '@distillery/bus';
import type { CampaignCompleted, EventEnvelope } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { CampaignStore } from '../store/campaign-store.js';

export const CAMPAIGNS_GROUP = 'curator-campaigns';

/**
 * Records each completed campaign (exactly once, through the inbox) as pending; the scheduler
 * builds its dataset when the campaign's refined turns are in. Nothing slow runs in the handler.
 */
export class CampaignCompletedConsumer {
  constructor(
    private readonly inbox: Inbox,
    private readonly campaigns: CampaignStore,
    private readonly onStored: () => void,
  ) {}

  async handle(event: EventEnvelope<CampaignCompleted>, record: BusRecord): Promise<void> {
    const outcome = await this.inbox.handleOnce(record, (manager) => this.campaigns.save(manager, event.data, event.id));
    if (!outcome.duplicate && outcome.result) this.onStored();
  }
}
