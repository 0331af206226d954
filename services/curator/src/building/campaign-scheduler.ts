import { PollLoop } from '@distillery/bus';
import type { Platform } from '@distillery/service-kit';
import type { CampaignStore } from '../store/campaign-store.js';
import type { RefinedTurnStore } from '../store/refined-turn-store.js';
import type { DatasetBuildService } from './dataset-build.service.js';

type Logger = Platform['logger'];

export interface CampaignSchedulerOptions {
  /** How long a campaign waits for all its refined turns before it is built with what is there. */
  readonly waitMs: number;
  readonly pollMs: number;
}

/**
 * Builds each completed campaign once all the refined turns it announced are in, or once it has
 * waited `waitMs` since it was announced (the manifest then records the shortfall). Pending
 * campaigns live in the database, so a restart picks up where it left off.
 */
export class CampaignScheduler {
  private readonly loop: PollLoop;
  private stopping = false;
  /** Campaigns whose build failed: when to try again (doubling up to a minute). */
  private readonly retries = new Map<string, { at: number; delayMs: number }>();

  constructor(
    private readonly campaigns: CampaignStore,
    private readonly turns: RefinedTurnStore,
    private readonly builds: DatasetBuildService,
    private readonly options: CampaignSchedulerOptions,
    private readonly logger: Logger,
  ) {
    this.loop = new PollLoop(() => this.pass(), { pollMs: options.pollMs, onError: (error) => this.logger.warn({ err: error }, 'campaign scheduler pass failed; will retry') });
  }

  start(): void {
    this.loop.start();
  }

  /** Look now (a campaign or a turn arrived). */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop.stop();
  }

  /** One look at every pending campaign; builds those that are ready. */
  async pass(now = Date.now()): Promise<void> {
    for (const campaign of await this.campaigns.pending()) {
      if (this.stopping) return;
      const retry = this.retries.get(campaign.campaignId);
      if (retry && retry.at > now) continue;
      const { turns } = await this.turns.coverage(campaign.sessionIds);
      const complete = turns >= campaign.turns;
      const timedOut = campaign.waitedMs >= this.options.waitMs;
      if (!complete && !timedOut) continue;
      try {
        await this.builds.buildCampaign(campaign, !complete);
        this.retries.delete(campaign.campaignId);
      } catch (error) {
        const delayMs = Math.min(60_000, (retry?.delayMs ?? 500) * 2);
        this.retries.set(campaign.campaignId, { at: now + delayMs, delayMs });
        this.logger.error({ err: error, campaignId: campaign.campaignId, retryInMs: delayMs }, 'dataset build failed; will retry');
      }
    }
  }
}
