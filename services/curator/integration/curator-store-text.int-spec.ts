/**
 * Needs PostgreSQL for its second half (DISTILLERY_TEST_DATABASE_URL; `npm test` starts it); the
 * PGlite half runs anywhere. traces.refined and campaigns.completed events from any producer reach
 * the curator's rows as they came: NUL, other control characters and lone surrogates are stored as
 * U+FFFD instead of failing the write (PostgreSQL refuses \u0000), and the turns still match
 * their campaign's sessions.
 */
import { type ArtifactRef, type CampaignCompleted, datasetReadyContract } from '@distillery/contracts';
import { openDatabase } from '@distillery/storage';
import { describeOnDatabases, OUTSIDE_TEXT as BAD, OUTSIDE_TEXT_STORED as STORED } from '@distillery/testing';
import { expect, it } from 'vitest';
import { CampaignStore } from '../src/store/campaign-store.js';
import { curatorService } from '../src/curator.service-definition.js';
import { DatasetRegistry } from '../src/store/dataset-registry.js';
import { RefinedTurnStore } from '../src/store/refined-turn-store.js';
import { simpleTurn } from '../src/testing/turn-builders.js';

/** The service's own migrations, every one of them. */
const MIGRATIONS = curatorService.migrations;

describeOnDatabases('curator rows from outside text', (target) => openDatabase({ target, schemas: ['curator'], migrations: MIGRATIONS }), (database) => {
  it('stores turns, campaigns and dataset versions with NUL and lone surrogates as U+FFFD', async () => {
    const { dataSource } = database();
    const turns = new RefinedTurnStore(dataSource);
    const campaigns = new CampaignStore(dataSource);
    const registry = new DatasetRegistry(dataSource);
    const session = `sess_${BAD}`;
    const campaignId = `camp_${BAD}`;
    const turn = { ...simpleTurn(session, 0, { campaignId, say: BAD }), turnId: `turn_${BAD}`, rawEventId: `raw_${BAD}` };
    const announced: CampaignCompleted = {
      campaignId,
      seed: 7,
      policy: 'reference',
      conversations: { requested: 1, completed: 1, failed: 0 },
      turns: 1,
      sessionIds: [session],
      completedAt: new Date().toISOString(),
      lineage: { campaignId, parentEventIds: [] },
    };
    const manifest: ArtifactRef = datasetReadyContract.example.manifest;

    await dataSource.transaction(async (manager) => {
      expect(await turns.saveAll(manager, [{ trace: turn, eventId: `evt_${BAD}` }])).toBe(1);
      expect(await campaigns.save(manager, announced, `evt_c_${BAD}`)).toBe(true);
      await registry.record(manager, { datasetId: `ds_${BAD}`, version: 1, campaignId, manifest, counts: { sft: 1 } });
    });

    const stored = await campaigns.find(`camp_${STORED}`);
    expect(stored).toMatchObject({ campaignId: `camp_${STORED}`, eventId: `evt_c_${STORED}`, sessionIds: [`sess_${STORED}`] });
    expect(await turns.coverage(stored!.sessionIds)).toEqual({ turns: 1, sessionsWithoutTurns: [] });
    const [read] = await turns.forSessions(stored!.sessionIds);
    expect(read).toMatchObject({ turnId: `turn_${STORED}`, rawEventId: `raw_${STORED}`, conversationId: `sess_${STORED}`, campaignId: `camp_${STORED}`, eventId: `evt_${STORED}` });
    expect(JSON.stringify(read)).not.toMatch(/\\u0000|\\ud800|\\ude00/i);
    expect(JSON.stringify(read)).toContain(STORED);
    expect((await turns.forCampaign(`camp_${STORED}`)).map((row) => row.turnId)).toEqual([`turn_${STORED}`]);
    expect(await registry.list()).toMatchObject([{ datasetId: `ds_${STORED}`, campaignId: `camp_${STORED}` }]);
  });
});
