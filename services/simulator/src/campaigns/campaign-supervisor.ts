import { canonicalJson } from '@distillery/artifacts';
import type { Platform } from '@distillery/service-kit';
import { CampaignConflictError } from '../errors/campaign-conflict.error.js';
import type { CampaignSpec } from './campaign-spec.js';
import type { CampaignRunner } from './campaign-runner.js';
import type { CampaignStore, StoredCampaign } from './campaign-store.js';

type Logger = Platform['logger'];

export interface CampaignSupervisorOptions {
  readonly store: CampaignStore;
  /** A runner for a campaign this replica now holds. */
  readonly runnerFor: (spec: CampaignSpec) => CampaignRunner;
  readonly owner: string;
  readonly leaseMs: number;
  readonly logger: Logger;
}

/**
 * The campaigns this replica runs: new ones as they are created, and running ones nobody holds —
 * a crashed or drained replica's — which it leases and resumes. It looks for those at start and
 * every half lease.
 */
export class CampaignSupervisor {
  private readonly runners = new Map<string, CampaignRunner>();
  private readonly done = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly options: CampaignSupervisorOptions) {}

  start(): void {
    void this.adopt();
    this.timer = setInterval(() => void this.adopt(), Math.max(100, Math.floor(this.options.leaseMs / 2)));
  }

  /** Creates and starts a campaign; an existing id with the same spec answers the existing one (created false). */
  async create(spec: CampaignSpec): Promise<{ created: boolean; campaign: StoredCampaign }> {
    const { store, owner, leaseMs } = this.options;
    const created = await store.create(spec, owner, leaseMs);
    const campaign = (await store.find(spec.campaignId))!;
    if (!created) {
      // jsonb keeps its own key order: compare canonically.
      if (canonicalJson(campaign.spec) !== canonicalJson(spec)) throw new CampaignConflictError(spec.campaignId);
      return { created: false, campaign };
    }
    this.launch(spec);
    this.options.logger.info({ campaignId: spec.campaignId, count: spec.count, concurrency: spec.concurrency, policy: spec.policy, seed: spec.seed }, 'campaign started');
    return { created: true, campaign };
  }

  /** Resolves when this replica's run of the campaign ends (completed, drained or lost); at once when it runs elsewhere. */
  settled(campaignId: string): Promise<void> {
    return this.done.get(campaignId) ?? Promise.resolve();
  }

  private async adopt(): Promise<void> {
    if (this.stopping) return;
    const { store, owner, leaseMs, logger } = this.options;
    try {
      for (const campaignId of await store.orphans()) {
        if (this.runners.has(campaignId) || this.stopping) continue;
        if (!(await store.lease(campaignId, owner, leaseMs))) continue;
        const campaign = await store.find(campaignId);
        if (!campaign) continue;
        logger.info({ campaignId }, 'resuming a campaign nobody holds');
        this.launch(campaign.spec);
      }
    } catch (error) {
      logger.warn({ err: error }, 'looking for campaigns to resume failed');
    }
  }

  private launch(spec: CampaignSpec): void {
    const runner = this.options.runnerFor(spec);
    this.runners.set(spec.campaignId, runner);
    const run = runner
      .run()
      .catch((error: unknown) => this.options.logger.error({ err: error, campaignId: spec.campaignId }, 'campaign run failed; another pass resumes it'))
      .finally(() => {
        this.runners.delete(spec.campaignId);
        // A run that failed holds its lease until it runs out; then any replica (this one included) resumes it.
      });
    this.done.set(spec.campaignId, run);
  }

  /** Drain: stop adopting, stop every runner (their unfinished conversations go back to pending). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
  }
}
