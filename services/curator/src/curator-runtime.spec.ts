import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subscribeEvents } from '@distillery/bus';
import { campaignCompletedContract, type DatasetReady, datasetReadyContract, encodeEvent, traceRefinedContract } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { apiFetch, eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curatorService } from './curator.service-definition.js';
import { fromJsonl } from './dataset/jsonl.js';
import type { RefinedTurn } from './dataset/refined-turn.js';
import { simpleTurn } from './testing/turn-builders.js';

/** A campaigns.completed message for these sessions. */
function campaign(campaignId: string, sessionIds: string[], turns: number) {
  return {
    campaignId,
    seed: 7,
    policy: 'reference',
    conversations: { requested: sessionIds.length, completed: sessionIds.length, failed: 0 },
    turns,
    sessionIds,
    completedAt: new Date().toISOString(),
    lineage: { campaignId, parentEventIds: [] },
  };
}

const refinedWire = (turn: RefinedTurn) => {
  const { eventId: _eventId, ...trace } = turn;
  return encodeEvent(traceRefinedContract, trace, { source: 'judge' });
};

describe('the curator, embedded (in-process bus, PGlite)', () => {
  let dataDir: string;
  let app: RunningApp;
  const ready: DatasetReady[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-curator-'));
    app = await startApp([curatorService], {
      name: 'curator',
      defaultPort: 0,
      env: { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'silent', DISTILLERY_CURATOR_WAIT_MS: '3000', DISTILLERY_CURATOR_POLL_MS: '50', DISTILLERY_CURATOR_CALIBRATION_PER_BUCKET: '1' },
    });
    await subscribeEvents(app.platform.bus, datasetReadyContract, { groupId: 'test-datasets', handler: async (event) => void ready.push(event.data) });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (body: unknown) => apiFetch(`${app.url}/curator/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const count = async (sql: string) => Number(((await app.platform.database.dataSource.query(sql)) as Array<{ n: number }>)[0]!.n);

  it('builds a campaign once all its turns are in, from its sessions only, and stores a redelivered turn once', async () => {
    const turns = ['sess_a', 'sess_b', 'sess_abandoned'].flatMap((session) => [0, 1].map((index) => simpleTurn(session, index, { campaignId: 'camp_1' })));
    await app.platform.bus.publish('campaigns.completed', [encodeEvent(campaignCompletedContract, campaign('camp_1', ['sess_a', 'sess_b'], 4), { source: 'simulator' })]);
    const wires = turns.map(refinedWire);
    await app.platform.bus.publish('traces.refined', wires.slice(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ready).toEqual([]);
    await app.platform.bus.publish('traces.refined', [...wires.slice(3), wires[0]!]);
    await eventually(() => ready.length === 1, 'datasets.ready for camp_1', 30_000);
    const dataset = ready[0]!;
    expect(dataset).toMatchObject({ datasetId: 'ds_dealership', lineage: { campaignId: 'camp_1', datasetId: 'ds_dealership' } });
    expect(await count('SELECT count(*)::int AS n FROM curator.refined_turns')).toBe(6);
    const manifest = await app.platform.artifacts.getManifest(dataset.manifest);
    expect(manifest.parents).toEqual([{ kind: 'campaign', id: 'camp_1' }, { kind: 'traces', id: `${manifest.id}.traces`, sha256: expect.any(String) }]);
    const traces = (await app.platform.artifacts.listManifests()).find((entry) => entry.ref.sha256 === manifest.parents[1]!.sha256)!.manifest;
    expect(traces).toMatchObject({ kind: 'traces', parents: [{ kind: 'campaign', id: 'camp_1' }], metrics: { traces: 4, conversations: 2 } });
    const listed = fromJsonl<{ conversationId: string; campaignId: string }>((await app.platform.artifacts.get(traces.files['traces.jsonl']!)).toString('utf8'));
    expect(listed.map((trace) => `${trace.conversationId}/${trace.campaignId}`).sort()).toEqual(['sess_a/camp_1', 'sess_a/camp_1', 'sess_b/camp_1', 'sess_b/camp_1']);
    const splits = manifest.attributes!.splits as { train: string[]; eval: string[] };
    expect([...splits.train, ...splits.eval].sort()).toEqual(['sess_a', 'sess_b']);
    for (const [part, ref] of Object.entries(dataset.parts)) {
      const rows = fromJsonl((await app.platform.artifacts.get(ref)).toString('utf8'));
      expect(rows).toHaveLength(dataset.counts[part as keyof DatasetReady['counts']]!);
    }
  });

  it('builds with what is there once the wait runs out, recording the shortfall', async () => {
    await app.platform.bus.publish('traces.refined', [refinedWire(simpleTurn('sess_c', 0, { campaignId: 'camp_2' }))]);
    await app.platform.bus.publish('campaigns.completed', [encodeEvent(campaignCompletedContract, campaign('camp_2', ['sess_c', 'sess_d'], 3), { source: 'simulator' })]);
    await eventually(() => ready.length === 2, 'datasets.ready for camp_2 after the wait', 30_000);
    expect(ready[1]!.version).toBeGreaterThan(ready[0]!.version);
    const manifest = await app.platform.artifacts.getManifest(ready[1]!.manifest);
    expect((manifest.attributes!.inputs as { coverage: unknown }).coverage).toMatchObject({ campaignId: 'camp_2', expectedTurns: 3, receivedTurns: 1, shortfall: 2, timedOut: true, sessionsWithoutTurns: ['sess_d'] });
    expect(manifest.metrics!.shortfall).toBe(2);
  });

  it('builds on request: a campaign, or everything; refuses bad bodies and unknown campaigns', async () => {
    const all = await post({ all: true });
    expect(all.status).toBe(201);
    const body = (await all.json()) as { version: number; counts: Record<string, number>; coverage: { scope: string; receivedTurns: number } };
    expect(body.coverage).toMatchObject({ scope: 'all', receivedTurns: 7 });
    expect(body.version).toBeGreaterThan(ready[1]!.version);
    expect((await post({ campaignId: 'camp_1' })).status).toBe(201);
    expect((await post({ campaignId: 'camp_nobody' })).status).toBe(404);
    expect((await post({ everything: 'please' })).status).toBe(400);
    await eventually(() => ready.length === 4, 'datasets.ready of the requested builds', 30_000);
    const listed = (await (await apiFetch(`${app.url}/curator/datasets`)).json()) as Array<{ version: number }>;
    expect(listed.map((entry) => entry.version)).toEqual(ready.map((entry) => entry.version));
  });
});
