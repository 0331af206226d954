import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignStore } from '../campaigns/campaign-store.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import { simulatorService } from '../simulator.service-definition.js';
import { CONVERSATIONS_FILE, recordCampaignManifest } from './campaign-manifest.js';

/** The campaign node of the lineage, on the simulator's own store (embedded, no agents: the conversations are finished by hand). */
describe('recordCampaignManifest', () => {
  let app: RunningApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-campaign-manifest-'));
    app = await startApp([simulatorService], { name: 'campaign-manifest-spec', defaultPort: 0, env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent' } });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('records a completed campaign with every conversation, and nothing for one still running', async () => {
    const store = new CampaignStore(app.platform.database.dataSource);
    const spec = resolveCampaignSpec({ campaignId: 'camp_manifest', count: 3, seed: 5 }, { policy: 'reference', dealershipSeed: 7 });
    expect(await store.create(spec, 'spec-owner', 600_000)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const claimed = (await store.claim('camp_manifest', 'spec-owner'))!;
      await store.sessionOpened('camp_manifest', claimed.index, 'spec-owner', `sess_${claimed.index}`, { kind: 'browse' });
      const result = claimed.index === 2 ? { status: 'failed' as const, turns: 0, error: 'agents unavailable' } : { status: 'done' as const, turns: claimed.index + 1, exitReason: 'goal_reached' as const };
      expect(await store.finish('camp_manifest', claimed.index, 'spec-owner', { ...result, transcript: [], switches: [] })).toBe(true);
    }
    expect(await recordCampaignManifest(app.platform.artifacts, store, 'camp_manifest')).toBeUndefined();
    expect(await recordCampaignManifest(app.platform.artifacts, store, 'camp_unknown')).toBeUndefined();

    await app.platform.database.dataSource.transaction((manager) => store.complete(manager, 'camp_manifest'));
    const ref = (await recordCampaignManifest(app.platform.artifacts, store, 'camp_manifest'))!;
    const manifest = await app.platform.artifacts.getManifest(ref);
    expect(manifest).toMatchObject({
      id: 'camp_manifest',
      kind: 'campaign',
      createdBy: 'simulator',
      parents: [],
      metrics: { conversations: 3, 'conversations.done': 2, 'conversations.failed': 1, turns: 3, 'sessions.abandoned': 0 },
      attributes: { seed: 5, policy: 'reference', exits: { goal_reached: 2 } },
    });
    const lines = (await app.platform.artifacts.get(manifest.files[CONVERSATIONS_FILE]!)).toString('utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { index: 0, status: 'done', sessionId: 'sess_0', abandonedSessionIds: [], turns: 1, exitReason: 'goal_reached' },
      { index: 1, status: 'done', sessionId: 'sess_1', abandonedSessionIds: [], turns: 2, exitReason: 'goal_reached' },
      { index: 2, status: 'failed', sessionId: 'sess_2', abandonedSessionIds: [], turns: 0, exitReason: null, error: 'agents unavailable' },
    ]);
    expect((await app.platform.artifacts.listManifests()).map((entry) => `${entry.manifest.kind}:${entry.manifest.id}`)).toEqual(['campaign:camp_manifest']);
  });
});
