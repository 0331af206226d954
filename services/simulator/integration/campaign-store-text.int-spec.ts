/**
 * Needs PostgreSQL for its second half (DISTILLERY_TEST_DATABASE_URL; `npm test` starts it); the
 * PGlite half runs anywhere. What the agents answered and what a model wrote reaches the
 * simulator's rows as it came: NUL, other control characters and lone surrogates are stored as
 * U+FFFD instead of failing the write (PostgreSQL refuses \u0000 in text and JSON).
 */
import { openDatabase } from '@distillery/storage';
import { describeOnDatabases, OUTSIDE_TEXT as BAD, OUTSIDE_TEXT_STORED as STORED } from '@distillery/testing';
import { expect, it } from 'vitest';
import { CampaignStore } from '../src/campaigns/campaign-store.js';
import { resolveCampaignSpec } from '../src/campaigns/resolve-campaign-spec.js';
import { SIMULATOR_MIGRATIONS } from '../src/simulator.schema.js';

describeOnDatabases('simulator rows from outside text', (target) => openDatabase({ target, schemas: ['simulator'], migrations: SIMULATOR_MIGRATIONS }), (database) => {
  it('stores a transcript, reply, error, goal and switch detail with NUL and lone surrogates as U+FFFD', async () => {
    const store = new CampaignStore(database().dataSource);
    const spec = resolveCampaignSpec({ campaignId: 'camp_text', count: 1 }, { policy: 'reference', dealershipSeed: 7 });
    expect(await store.create(spec, 'replica-a', 60_000)).toBe(true);
    const claimed = await store.claim('camp_text', 'replica-a');
    expect(claimed?.index).toBe(0);
    await store.sessionOpened('camp_text', 0, 'replica-a', `sess_${BAD}`, { kind: 'browse', note: BAD, [BAD]: 1 });
    await store.setReverts('camp_text', 0, 'replica-a', [{ kind: BAD } as never]);
    const finished = await store.finish('camp_text', 0, 'replica-a', {
      status: 'failed',
      turns: 1,
      exitReason: 'gave_up',
      exitDetail: BAD,
      error: BAD,
      transcript: [{ user: BAD, reply: BAD }],
      switches: [{ turn: 1, step: { [BAD]: BAD }, applied: false, detail: BAD }],
    });
    expect(finished).toBe(true);

    const { rows } = await store.conversations('camp_text', { withTranscripts: true });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      sessionId: `sess_${STORED}`,
      goal: { kind: 'browse', note: STORED, [STORED]: 1 },
      exitDetail: STORED,
      error: STORED,
      transcript: [{ user: STORED, reply: STORED }],
      switches: [{ turn: 1, step: { [STORED]: STORED }, applied: false, detail: STORED }],
    });
  });

  it('pages conversations in index order', async () => {
    const store = new CampaignStore(database().dataSource);
    await store.create(resolveCampaignSpec({ campaignId: 'camp_pages', count: 25 }, { policy: 'reference', dealershipSeed: 7 }), 'replica-a', 60_000);
    const first = await store.conversations('camp_pages', { limit: 10 });
    expect(first.rows.map((row) => row.index)).toEqual([...Array(10).keys()]);
    expect(first.more).toBe(true);
    const last = await store.conversations('camp_pages', { limit: 10, after: 19 });
    expect(last.rows.map((row) => row.index)).toEqual([20, 21, 22, 23, 24]);
    expect(last.more).toBe(false);
    expect((await store.conversations('camp_pages')).rows).toHaveLength(25);
  });
});
