import { type Database, openDatabase, serviceSchemaMigration } from '@distillery/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignStore } from './campaign-store.js';
import { CuratorTables1764100000004 } from './curator.migration.js';

describe('what became of a campaign (PGlite)', () => {
  let db: Database;
  let store: CampaignStore;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['curator'], migrations: [serviceSchemaMigration('curator', 1764000000004), CuratorTables1764100000004] });
    store = new CampaignStore(db.dataSource);
  }, 60_000);
  afterAll(async () => db?.close());

  it('is pending when announced, then built into its version, or held over with none', async () => {
    const announce = (campaignId: string) => db.dataSource.transaction((manager) => store.save(manager, { campaignId, seed: 7, policy: 'reference', conversations: { requested: 1, completed: 1, failed: 0 }, turns: 3, sessionIds: ['s1'], completedAt: new Date().toISOString(), lineage: { parentEventIds: [] } }, `evt_${campaignId}`));
    await announce('camp_1');
    await announce('heldout_1');
    expect(await store.outcome('camp_1')).toMatchObject({ campaignId: 'camp_1', status: 'pending', turns: 3, datasetId: null, datasetVersion: null });
    await db.dataSource.transaction((manager) => store.markBuilt(manager, 'camp_1', 'ds_dealership', 4));
    await db.dataSource.transaction((manager) => store.markHeldOver(manager, 'heldout_1'));
    expect(await store.outcome('camp_1')).toMatchObject({ status: 'built', datasetId: 'ds_dealership', datasetVersion: 4 });
    expect(await store.outcome('heldout_1')).toMatchObject({ status: 'built', datasetId: null, datasetVersion: null });
    expect(await store.outcome('camp_nope')).toBeUndefined();
  });
});
