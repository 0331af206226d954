import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import type { DatasetReady } from '@distillery/contracts';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCuratorConfig } from '../config/curator.config.js';
import { isHeldOutTurn } from '../dataset/build-dataset.js';
import type { DatasetRows } from '../dataset/dataset-rows.js';
import { readDatasetRows } from '../dataset/read-dataset.js';
import type { RefinedTurn } from '../dataset/refined-turn.js';
import type { CampaignStore, StoredCampaign } from '../store/campaign-store.js';
import type { DatasetRegistry } from '../store/dataset-registry.js';
import type { RefinedTurnStore } from '../store/refined-turn-store.js';
import { simpleTurn } from '../testing/turn-builders.js';
import { type DatasetBuildDependencies, DatasetBuildService } from './dataset-build.service.js';

const HELD_OUT_WORDS = 'could you tell me your hours for week';
/** Twelve conversations of a training campaign, each a question of its own. */
const trainingTurns = Array.from({ length: 12 }, (_, index) => simpleTurn(`c${String(index).padStart(2, '0')}`, 0, { campaignId: 'camp_train', say: `are you open on day ${index}?` }));
/** Three conversations of a held-out-phrasing campaign, in words no training conversation uses. */
const heldOutTurns = [1, 2, 3].map((index) => simpleTurn(`h${index}`, 0, { campaignId: 'heldout_camp', say: `${HELD_OUT_WORDS} ${index}` }));

function campaignOf(campaignId: string, turns: readonly RefinedTurn[]): StoredCampaign {
  return { campaignId, eventId: `evt_${campaignId}`, sessionIds: turns.map((turn) => turn.conversationId), turns: turns.length, receivedAt: new Date(0), waitedMs: 0, status: 'pending' };
}

/** The stores as the database answers them, in memory: turns stored, campaigns announced, versions recorded, events written. */
function memoryStores() {
  const stored: RefinedTurn[] = [];
  const campaigns = new Map<string, StoredCampaign>();
  const versions: number[] = [];
  const events: DatasetReady[] = [];
  const infos: string[] = [];
  const settle = (campaignId: string) => {
    const campaign = campaigns.get(campaignId);
    if (campaign?.status !== 'pending') return false;
    campaigns.set(campaignId, { ...campaign, status: 'built' });
    return true;
  };
  const turns = {
    forSessions: async (ids: readonly string[]) => stored.filter((turn) => ids.includes(turn.conversationId)),
    forCampaign: async (id: string) => stored.filter((turn) => turn.campaignId === id),
    heldOut: async () => stored.filter(isHeldOutTurn),
    hasTrainingTurns: async () => stored.some((turn) => !isHeldOutTurn(turn)),
    all: async () => [...stored],
    coverage: async (ids: readonly string[]) => ({ turns: stored.filter((turn) => ids.includes(turn.conversationId)).length, sessionsWithoutTurns: [] }),
    traceContexts: async () => [] as string[],
  };
  const campaignStore = {
    find: async (id: string) => campaigns.get(id),
    pending: async () => [...campaigns.values()].filter((campaign) => campaign.status === 'pending'),
    markBuilt: async (_manager: unknown, id: string) => settle(id),
    markHeldOver: async (_manager: unknown, id: string) => settle(id),
  };
  let next = 0;
  const registry = { nextVersion: async () => ++next, record: async (_manager: unknown, entry: { version: number }) => void versions.push(entry.version) };
  const outbox = { enqueue: async (_manager: unknown, _contract: unknown, ready: DatasetReady) => (events.push(ready), `evt_ready_${events.length}`) };
  const dataSource = { transaction: async <T>(work: (manager: unknown) => Promise<T>) => work({}) };
  const logger = { info: (_fields: object, message: string) => void infos.push(message), warn: () => undefined, error: () => undefined };
  return { stored, campaigns, versions, events, infos, turns, campaignStore, registry, outbox, dataSource, logger };
}

describe('building a campaign’s version with the held-out-phrasing turns stored', () => {
  let dir: string;
  let store: FileArtifactStore;
  let memory: ReturnType<typeof memoryStores>;
  let builds: DatasetBuildService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'curator-build-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
    memory = memoryStores();
    const deps: DatasetBuildDependencies = {
      dataSource: memory.dataSource as unknown as DataSource,
      artifacts: store,
      turns: memory.turns as unknown as RefinedTurnStore,
      campaigns: memory.campaignStore as unknown as CampaignStore,
      registry: memory.registry as unknown as DatasetRegistry,
      outbox: memory.outbox as unknown as DatasetBuildDependencies['outbox'],
      config: loadCuratorConfig({ DISTILLERY_CURATOR_EVAL_SHARE: '0.25' }),
      logger: memory.logger as unknown as DatasetBuildDependencies['logger'],
      onCommitted: () => undefined,
    };
    builds = new DatasetBuildService(deps);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function complete(campaignId: string, turns: readonly RefinedTurn[]): StoredCampaign {
    memory.stored.push(...turns);
    const campaign = campaignOf(campaignId, turns);
    memory.campaigns.set(campaignId, campaign);
    return campaign;
  }

  it('builds no version for a held-out campaign completed before any training turn, and settles it', async () => {
    const heldOut = complete('heldout_camp', heldOutTurns);
    expect(await builds.buildCampaign(heldOut, false)).toBeUndefined();
    expect(memory.versions).toEqual([]);
    expect(memory.events).toEqual([]);
    expect(memory.campaigns.get('heldout_camp')!.status).toBe('built');
    expect(memory.infos).toEqual([
      'held-out-phrasing campaign completed before any training turn: its 3 turns will be the eval-heldout part of the next version built',
    ]);
  });

  it('gives the training campaign built after it the held-out turns as eval-heldout, in no other part', async () => {
    await builds.buildCampaign(complete('heldout_camp', heldOutTurns), false);
    const summary = await builds.buildCampaign(complete('camp_train', trainingTurns), false);
    expect(summary?.coverage).toMatchObject({ campaignId: 'camp_train', receivedTurns: 12 });
    const [ready] = memory.events;
    expect(memory.events).toHaveLength(1);
    expect(ready!.lineage.campaignId).toBe('camp_train');
    expect(ready!.evalHeldOut).toMatchObject({ rows: 9, campaignIds: ['heldout_camp'] });
    const rows = await readDatasetRows(store, ready!);
    expect(new Set(rows['eval-heldout'].map((row) => row.conversationId))).toEqual(new Set(['h1', 'h2', 'h3']));
    expect(rows.sft.length).toBeGreaterThan(0);
    expect(heldOutRowsOutside(rows)).toEqual([]);
    const manifest = await store.getManifest(ready!.manifest);
    expect((manifest.attributes!.splits as { evalHeldOut: { campaignIds: string[] } }).evalHeldOut.campaignIds).toEqual(['heldout_camp']);
  });

  it('builds a held-out campaign completed after training turns over every stored turn, as before', async () => {
    memory.stored.push(...trainingTurns);
    const summary = await builds.buildCampaign(complete('heldout_camp', heldOutTurns), false);
    expect(summary?.coverage).toMatchObject({ campaignId: 'heldout_camp', receivedTurns: 3 });
    const ready = memory.events.at(-1)!;
    expect(ready.lineage.campaignId).toBe('heldout_camp');
    expect(ready.evalHeldOut).toMatchObject({ rows: 9, campaignIds: ['heldout_camp'] });
    const rows = await readDatasetRows(store, ready);
    expect(new Set(rows.sft.map((row) => row.conversationId.slice(0, 1)))).toEqual(new Set(['c']));
    expect(heldOutRowsOutside(rows)).toEqual([]);
    expect(memory.campaigns.get('heldout_camp')!.status).toBe('built');
  });
});

/** The rows of every part but eval-heldout that come from, or quote, a held-out conversation. */
function heldOutRowsOutside(rows: DatasetRows): string[] {
  const quotes = (text: string) => text.includes(HELD_OUT_WORDS);
  return [
    ...[...rows.sft, ...rows.eval, ...rows.dpo].filter((row) => row.conversationId.startsWith('h') || quotes(row.prompt)).map((row) => row.id),
    ...rows.cpt.filter((row) => quotes(row.text) || quotes(row.context)).map((row) => row.id),
    ...rows.eagle.filter((row) => quotes(row.prompt)).map((row) => row.id),
    ...rows.calibration.filter((row) => quotes(row.text)).map((row) => row.id),
  ];
}
