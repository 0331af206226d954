import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { subscribeEvents } from '@distillery/bus';
import { type CampaignCompleted, campaignCompletedContract, eventIdFor } from '@distillery/contracts';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { type CampaignProgress, type ConversationRow, simulatorService } from '@distillery/simulator';
import { apiFetch, eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The agents and the simulator in one embedded process (in-process bus, PGlite), driven over the simulator's HTTP API. */
describe('simulator campaigns, embedded', () => {
  let app: RunningApp;
  let dataDir: string;
  const completed: CampaignCompleted[] = [];
  const completedIds = new Map<string, string>();
  const post = (body: unknown) => apiFetch(`${app.url}/simulator/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = async <T>(path: string) => (await (await apiFetch(`${app.url}${path}`)).json()) as T;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-simulator-'));
    app = await startApp([agentsService, simulatorService], {
      name: 'simulator-spec',
      defaultPort: 0,
      env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_AGENTS_GRPC_PORT: String(await freePort()), DISTILLERY_AGENTS_RATE_PER_MINUTE: '100000', DISTILLERY_AGENTS_RATE_BURST: '1000' },
    });
    await subscribeEvents(app.platform.bus, campaignCompletedContract, { groupId: 'simulator-spec', handler: async (event) => {
      completed.push(event.data);
      completedIds.set(event.data.campaignId, event.id);
    } });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('plays every conversation of a campaign once, in sessions tagged as simulation, and announces it on campaigns.completed', async () => {
    const response = await post({ campaignId: 'camp_spec_1', count: 24, seed: 11, concurrency: 4, switchRate: 0.5 });
    expect(response.status).toBe(201);
    await eventually(async () => (await get<CampaignProgress>('/simulator/campaigns/camp_spec_1')).status === 'completed', 'the campaign to complete', 120_000, 100);

    const progress = await get<CampaignProgress>('/simulator/campaigns/camp_spec_1');
    expect(progress.conversations).toEqual({ pending: 0, running: 0, done: 24, failed: 0 });
    expect(Object.values(progress.exits).reduce((sum, n) => sum + n, 0)).toBe(24);
    expect(progress.exits.goal_reached).toBeGreaterThan(12);

    const conversations = await get<ConversationRow[]>('/simulator/campaigns/camp_spec_1/conversations?transcripts=true');
    expect(conversations.map((row) => row.index)).toEqual([...Array(24).keys()]);
    const sessions = new Set(conversations.map((row) => row.sessionId));
    expect(sessions.size).toBe(24);
    for (const row of conversations) expect(row.transcript?.length).toBe(row.turns);
    expect(conversations.some((row) => row.switches.some((made) => made.applied))).toBe(true);

    // Paged: 10 at a time, each page naming the next in its Link header until the last.
    const paged: ConversationRow[] = [];
    let next: string | undefined = '/simulator/campaigns/camp_spec_1/conversations?transcripts=true&limit=10';
    for (let pages = 0; next; pages += 1) {
      expect(pages).toBeLessThan(3);
      const page = await apiFetch(`${app.url}${next}`);
      paged.push(...((await page.json()) as ConversationRow[]));
      next = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1];
    }
    expect(paged).toEqual(conversations);

    const tagged = (await app.platform.database.dataSource.query(`SELECT id, source, campaign_id AS "campaignId" FROM agents.sessions WHERE campaign_id = 'camp_spec_1'`)) as Array<{ id: string; source: string }>;
    expect(new Set(tagged.map((row) => row.id))).toEqual(sessions);
    expect(new Set(tagged.map((row) => row.source))).toEqual(new Set(['simulation']));

    await eventually(() => completed.some((event) => event.campaignId === 'camp_spec_1'), 'campaigns.completed', 10_000);
    const event = completed.find((candidate) => candidate.campaignId === 'camp_spec_1')!;
    expect(event.conversations).toEqual({ requested: 24, completed: 24, failed: 0 });
    // docs/messages.md: every envelope id is a UUID; derived from the campaign id, so a rewrite is the same event.
    expect(completedIds.get('camp_spec_1')).toBe(eventIdFor('campaigns.completed', 'camp_spec_1'));
    expect(new Set(event.sessionIds)).toEqual(sessions);
    expect(event.turns).toBe(progress.turns);

    // every switch made was undone: the rules and the vehicles are as the dealership was seeded
    const [dealership] = (await app.platform.database.dataSource.query('SELECT rules FROM agents.dealership WHERE id = 1')) as Array<{ rules: { unavailableTools?: string[] } }>;
    expect(dealership?.rules.unavailableTools ?? []).toEqual([]);
  }, 180_000);

  it('answers the same campaign for the same id and spec, and refuses bad requests naming each problem', async () => {
    expect((await post({ campaignId: 'camp_spec_1', count: 24, seed: 11, concurrency: 4, switchRate: 0.5 })).status).toBe(200);
    const conflict = await post({ campaignId: 'camp_spec_1', count: 25 });
    expect(conflict.status).toBe(409);

    const bad = await post({ count: 0, intentMix: { teleport: 1 }, personaTraits: { typoRate: 2 } });
    expect(bad.status).toBe(400);
    const { message } = (await bad.json()) as { message: string };
    expect(message).toContain('count');
    expect(message).toContain('unknown intent "teleport"');
    expect(message).toContain('personaTraits.typoRate');

    const llm = await post({ count: 1, policy: 'llm' });
    expect(llm.status).toBe(400);
    expect(((await llm.json()) as { message: string }).message).toContain('DISTILLERY_OPENAI_BASE_URL');

    expect((await apiFetch(`${app.url}/simulator/campaigns/camp_nope`)).status).toBe(404);
    expect((await get<Array<{ campaignId: string }>>('/simulator/campaigns')).map((campaign) => campaign.campaignId)).toContain('camp_spec_1');
  });
});
