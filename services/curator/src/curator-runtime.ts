import type { Platform } from '@distillery/service-kit';
import { Inbox, Outbox, OutboxRelay } from '@distillery/storage';
import { CampaignScheduler } from './building/campaign-scheduler.js';
import { DatasetBuildService } from './building/dataset-build.service.js';
import type { CuratorConfig } from './config/curator.config.js';
import { CAMPAIGNS_GROUP, CampaignCompletedConsumer } from './consumers/campaign-completed.consumer.js';
import { REFINED_TRACES_GROUP, RefinedTraceConsumer } from './consumers/refined-trace.consumer.js';
import { CampaignStore } from './store/campaign-store.js';
import { DatasetRegistry } from './store/dataset-registry.js';
import { RefinedTurnStore } from './store/refined-turn-store.js';

/**
 * The running curator: the consumers' handlers (`CuratorEventsController` feeds them; the bus
 * transport subscribes once this has started and drains first), the campaign scheduler, the
 * builder and the outbox relay.
 */
export class CuratorRuntime {
  private constructor(
    readonly builds: DatasetBuildService,
    readonly registry: DatasetRegistry,
    readonly campaigns: CampaignStore,
    readonly refined: RefinedTraceConsumer,
    readonly completed: CampaignCompletedConsumer,
    private readonly scheduler: CampaignScheduler,
    private readonly relay: OutboxRelay,
  ) {}

  static async start(platform: Platform, config: CuratorConfig): Promise<CuratorRuntime> {
    const { dataSource } = platform.database;
    const logger = platform.logger.child({ component: 'curator' });
    const turns = new RefinedTurnStore(dataSource);
    const campaigns = new CampaignStore(dataSource);
    const registry = new DatasetRegistry(dataSource);
    const relay = new OutboxRelay({ dataSource, bus: platform.bus, schema: 'curator', logger });
    relay.start();
    const builds = new DatasetBuildService({ dataSource, artifacts: platform.artifacts, turns, campaigns, registry, outbox: new Outbox('curator'), config, logger, onCommitted: () => relay.wake() });
    const scheduler = new CampaignScheduler(campaigns, turns, builds, { waitMs: config.DISTILLERY_CURATOR_WAIT_MS, pollMs: config.DISTILLERY_CURATOR_POLL_MS }, logger);
    const refined = new RefinedTraceConsumer(new Inbox(dataSource, 'curator', REFINED_TRACES_GROUP), turns, () => scheduler.wake());
    const completed = new CampaignCompletedConsumer(new Inbox(dataSource, 'curator', CAMPAIGNS_GROUP), campaigns, () => scheduler.wake());
    scheduler.start();
    logger.info({ datasetId: config.DISTILLERY_CURATOR_DATASET_ID, waitMs: config.DISTILLERY_CURATOR_WAIT_MS }, 'curator consuming traces.refined and campaigns.completed');
    return new CuratorRuntime(builds, registry, campaigns, refined, completed, scheduler, relay);
  }

  /** Drain (the consumers have stopped): finish the build in flight, publish what the outbox holds. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.relay.stop();
  }
}
