import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import { campaignCompletedContract } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { CampaignStore } from '../store/campaign-store.js';

export const CAMPAIGNS_GROUP = 'curator-campaigns';

/**
 * Records each completed campaign (exactly once, through the inbox) as pending; the scheduler
 * builds its dataset when the campaign's refined turns are in. Nothing slow runs in the handler.
 */
export class CampaignCompletedConsumer {
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly inbox: Inbox,
    private readonly campaigns: CampaignStore,
    private readonly onStored: () => void,
  ) {}

  async start(): Promise<void> {
    this.subscription = await subscribeEvents(this.bus, campaignCompletedContract, {
      groupId: CAMPAIGNS_GROUP,
      handler: async (event, record) => {
        const outcome = await this.inbox.handleOnce(record, (manager) => this.campaigns.save(manager, event.data, event.id));
        if (!outcome.duplicate && outcome.result) this.onStored();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
