import type { ArtifactStore } from '@distillery/artifacts';
import { type ArtifactRef, datasetReadyContract } from '@distillery/contracts';
import type { Outbox } from '@distillery/storage';
import { inSpan, MAX_SPAN_LINKS, type Platform, SpanKind, spanContextOf } from '@distillery/service-kit';
import type { DataSource } from 'typeorm';
import type { CuratorConfig } from '../config/curator.config.js';
import { buildDataset, type BuiltDataset, isHeldOutCampaign } from '../dataset/build-dataset.js';
import type { BuildCoverage, DatasetBuildOptions } from '../dataset/build-options.js';
import type { BuiltPart } from '../dataset/dataset-rows.js';
import type { RefinedTurn } from '../dataset/refined-turn.js';
import { UnknownCampaignError } from '../errors/unknown-campaign.error.js';
import type { CampaignStore, StoredCampaign } from '../store/campaign-store.js';
import type { DatasetRegistry } from '../store/dataset-registry.js';
import type { RefinedTurnStore } from '../store/refined-turn-store.js';
import { datasetReadyOf, publishDataset } from './publish-dataset.js';

type Logger = Platform['logger'];

/** What a build produced, as the API answers it. */
export interface DatasetSummary {
  readonly datasetId: string;
  readonly version: number;
  readonly manifest: ArtifactRef;
  readonly parts: Readonly<Record<BuiltPart, ArtifactRef>>;
  readonly counts: Readonly<Record<BuiltPart, number>>;
  readonly coverage: BuildCoverage;
  /** Duplicates between each eval part and training, before and after the eval rows whose prompt is in training were dropped. */
  readonly duplicates: BuiltDataset['duplicates'];
  /** The datasets.ready event written with it. */
  readonly eventId: string;
}

/** A build asked for over HTTP: one campaign, or every refined turn stored. */
export type BuildRequest = { readonly campaignId: string } | { readonly all: true };

export interface DatasetBuildDependencies {
  readonly dataSource: DataSource;
  readonly artifacts: ArtifactStore;
  readonly turns: RefinedTurnStore;
  readonly campaigns: CampaignStore;
  readonly registry: DatasetRegistry;
  readonly outbox: Outbox;
  readonly config: CuratorConfig;
  readonly logger: Logger;
  /** Called after a dataset's transaction commits (wakes the outbox relay). */
  readonly onCommitted: () => void;
}

/** The build options the config sets (everything but the dataset's version and coverage). */
export function buildOptionsOf(config: CuratorConfig): Omit<DatasetBuildOptions, 'version' | 'rules' | 'mixedPublicShare' | 'calibrationBuckets'> {
  return {
    datasetId: config.DISTILLERY_CURATOR_DATASET_ID,
    seed: config.DISTILLERY_CURATOR_SEED,
    dealershipSeed: config.DISTILLERY_CURATOR_DEALERSHIP_SEED ?? config.DISTILLERY_AGENTS_SEED ?? 7,
    publicShare: config.DISTILLERY_CURATOR_PUBLIC_SHARE,
    evalShare: config.DISTILLERY_CURATOR_EVAL_SHARE,
    hardNegativeShare: config.DISTILLERY_CURATOR_HARD_NEGATIVE_SHARE,
    hardNegativeMix: config.DISTILLERY_CURATOR_HARD_NEGATIVE_MIX,
    eagleExternalShare: config.DISTILLERY_CURATOR_EAGLE_EXTERNAL_SHARE,
    calibrationPerBucket: config.DISTILLERY_CURATOR_CALIBRATION_PER_BUCKET,
  };
}

/**
 * Builds dataset versions, one at a time: reads the turns, builds every part (buildDataset), puts
 * the files and the manifest into the artifact store, then records the version and writes its
 * datasets.ready event in one transaction (the outbox relay publishes it).
 */
export class DatasetBuildService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DatasetBuildDependencies) {}

  /**
   * A completed campaign, once its turns are in or its wait ran out; undefined when another build
   * took it first, or when it is a held-out-phrasing campaign completed before any training turn was
   * stored: a version of eval-heldout alone would have empty training parts, so none is built and
   * its turns wait for the next version's eval-heldout part.
   */
  buildCampaign(campaign: StoredCampaign, timedOut: boolean): Promise<DatasetSummary | undefined> {
    return this.serial(async () => {
      const turns = await this.deps.turns.forSessions(campaign.sessionIds);
      if (isHeldOutCampaign(campaign.campaignId) && !(await this.deps.turns.hasTrainingTurns())) return this.holdOver(campaign, turns.length);
      return this.build(await this.withEvalHeldOut(campaign.campaignId, turns), await this.campaignCoverage(campaign, turns, 'campaigns.completed', timedOut), campaign);
    });
  }

  /** A build asked for now: a campaign with what has arrived of it, or every turn stored. */
  buildOnRequest(request: BuildRequest): Promise<DatasetSummary> {
    return this.serial(async () => {
      if ('all' in request) {
        const turns = await this.deps.turns.all();
        return (await this.build(turns, { scope: 'all', trigger: 'request', receivedTurns: turns.length, shortfall: 0 }))!;
      }
      const campaign = await this.deps.campaigns.find(request.campaignId);
      if (campaign) {
        const turns = await this.deps.turns.forSessions(campaign.sessionIds);
        return (await this.build(await this.withEvalHeldOut(campaign.campaignId, turns), await this.campaignCoverage(campaign, turns, 'request', false), campaign, true))!;
      }
      const turns = await this.deps.turns.forCampaign(request.campaignId);
      if (!turns.length) throw new UnknownCampaignError(request.campaignId);
      const coverage: BuildCoverage = { scope: 'campaign', trigger: 'request', campaignId: request.campaignId, receivedTurns: turns.length, shortfall: 0 };
      return (await this.build(await this.withEvalHeldOut(request.campaignId, turns), coverage))!;
    });
  }

  /**
   * A campaign's turns with those that make the rest of its version. A held-out-phrasing campaign's
   * turns are only ever eval-heldout, so every stored turn joins them (the training parts as an `all`
   * build has them); any other campaign's are joined by every stored held-out-phrasing turn, never
   * trained on, as its eval-heldout part.
   */
  private async withEvalHeldOut(campaignId: string, turns: readonly RefinedTurn[]): Promise<readonly RefinedTurn[]> {
    const others = isHeldOutCampaign(campaignId) ? await this.deps.turns.all() : await this.deps.turns.heldOut();
    const ids = new Set(turns.map((turn) => turn.turnId));
    return [...turns, ...others.filter((turn) => !ids.has(turn.turnId))];
  }

  /** Settles a held-out-phrasing campaign without a version (none to train on yet); undefined, as when another build took it first. */
  private async holdOver(campaign: StoredCampaign, turns: number): Promise<undefined> {
    const held = await this.deps.dataSource.transaction((manager) => this.deps.campaigns.markHeldOver(manager, campaign.campaignId));
    if (held) {
      this.deps.logger.info({ campaignId: campaign.campaignId, turns }, `held-out-phrasing campaign completed before any training turn: its ${turns} turns will be the eval-heldout part of the next version built`);
    }
    return undefined;
  }

  private async campaignCoverage(campaign: StoredCampaign, turns: readonly RefinedTurn[], trigger: BuildCoverage['trigger'], timedOut: boolean): Promise<BuildCoverage> {
    const { sessionsWithoutTurns } = await this.deps.turns.coverage(campaign.sessionIds);
    return {
      scope: 'campaign',
      trigger,
      campaignId: campaign.campaignId,
      sessions: campaign.sessionIds.length,
      expectedTurns: campaign.turns,
      receivedTurns: turns.length,
      shortfall: Math.max(0, campaign.turns - turns.length),
      sessionsWithoutTurns,
      timedOut,
      eventId: campaign.eventId,
    };
  }

  /** Builds in a span linked to the turns' traces (up to MAX_SPAN_LINKS): datasets.ready carries it on to the trainer. */
  private async build(turns: readonly RefinedTurn[], coverage: BuildCoverage, campaign?: StoredCampaign, rebuild = false): Promise<DatasetSummary | undefined> {
    const links = (await this.deps.turns.traceContexts(turns.map((turn) => turn.turnId), MAX_SPAN_LINKS)).flatMap((traceparent) => spanContextOf({ traceparent }) ?? []);
    return inSpan('curator build dataset', { kind: SpanKind.INTERNAL, links, attributes: { 'distillery.turns': turns.length, ...(coverage.campaignId ? { 'distillery.campaign_id': coverage.campaignId } : {}) } }, async (span) => {
      const summary = await this.buildInSpan(turns, coverage, campaign, rebuild);
      if (summary) span.setAttributes({ 'distillery.dataset_id': summary.datasetId, 'distillery.dataset_version': summary.version });
      return summary;
    });
  }

  private async buildInSpan(turns: readonly RefinedTurn[], coverage: BuildCoverage, campaign: StoredCampaign | undefined, rebuild: boolean): Promise<DatasetSummary | undefined> {
    const { artifacts, config, dataSource, logger, outbox, registry } = this.deps;
    const started = performance.now();
    const version = await registry.nextVersion();
    const built = buildDataset(turns, { ...buildOptionsOf(config), version, coverage });
    const published = await publishDataset(artifacts, built, { turns });
    const ready = datasetReadyOf(built, published, { campaignId: coverage.campaignId, parentEventIds: coverage.eventId ? [coverage.eventId] : [] });
    const eventId = await dataSource.transaction(async (manager) => {
      // A campaign is built once: a second builder (another replica) finds it no longer pending and stops.
      if (campaign && !(await this.deps.campaigns.markBuilt(manager, campaign.campaignId, built.datasetId, version)) && !rebuild) return undefined;
      await registry.record(manager, { datasetId: built.datasetId, version, campaignId: coverage.campaignId, manifest: published.manifest, counts: built.counts });
      return outbox.enqueue(manager, datasetReadyContract, ready, { source: 'curator' });
    });
    if (eventId === undefined) {
      logger.info({ campaignId: campaign?.campaignId, version }, 'campaign already built elsewhere; version left unused');
      return undefined;
    }
    this.deps.onCommitted();
    logger.info({ datasetId: built.datasetId, version, counts: built.counts, coverage, ms: Math.round(performance.now() - started) }, 'dataset built');
    return { datasetId: built.datasetId, version, manifest: published.manifest, parts: published.parts, counts: built.counts, coverage, duplicates: built.duplicates, eventId };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
