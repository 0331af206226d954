/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * The curator in distributed mode on a scratch database: refined turns of a few conversations and the
 * campaign's completion go in over Kafka; one datasets.ready comes out whose parts hash, in the
 * artifact store, to what it says and hold the rows it counts; a redelivered turn changes nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { KafkaBus, subscribeEvents, type Subscription } from '@distillery/bus';
import { campaignCompletedContract, type DatasetReady, datasetReadyContract, encodeEvent, traceRefinedContract, type WireMessage } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { type DistributedService, eventually, integrationServers, startDistributedService } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curatorService } from '../src/curator.service-definition.js';
import { fromJsonl } from '../src/dataset/jsonl.js';
import type { RefinedTurn } from '../src/dataset/refined-turn.js';
import { referenceRefinedTurns } from '../src/testing/reference-refined-turns.js';

const servers = integrationServers();

describe.skipIf(!servers)('the curator on Kafka and PostgreSQL', () => {
  const campaignId = `camp_int_${randomUUID().slice(0, 8)}`;
  let curator: DistributedService<RunningApp>;
  let app: RunningApp;
  let bus: KafkaBus;
  let watcher: Subscription;
  let turns: RefinedTurn[];
  let wires: WireMessage[];
  const ready: DatasetReady[] = [];
  const count = async (sql: string, params: unknown[] = []) => Number(((await app.platform.database.dataSource.query(sql, params)) as Array<{ n: number }>)[0]!.n);

  beforeAll(async () => {
    curator = await startDistributedService(servers!, (env) => startApp([curatorService], { name: 'curator', defaultPort: 0, env }), {
      DISTILLERY_CURATOR_POLL_MS: '100',
      DISTILLERY_CURATOR_CALIBRATION_PER_BUCKET: '2',
    });
    app = curator.app;
    bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'curator-int-test' });
    watcher = await subscribeEvents(bus, datasetReadyContract, {
      groupId: `curator-int-${randomUUID()}`,
      handler: async (event) => {
        if (event.data.lineage.campaignId === campaignId) ready.push(event.data);
      },
    });
    turns = await referenceRefinedTurns({ conversations: 6, seed: 5, mistakeRate: 0.3, rejectRate: 0.05, campaignId });
    // Unique sessions per run: the broker's topics outlive the scratch database.
    turns = turns.map((turn) => ({ ...turn, conversationId: `${campaignId}_${turn.conversationId}`, turnId: `${campaignId}_${turn.turnId}` }));
    wires = turns.map(({ eventId: _eventId, ...trace }) => encodeEvent(traceRefinedContract, trace, { source: 'judge' }));
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    await bus?.close();
    await curator?.stop();
  });

  it('builds the campaign once its refined turns are in and announces it with datasets.ready', async () => {
    const sessions = [...new Set(turns.map((turn) => turn.conversationId))];
    const abandoned = sessions.pop()!;
    const listed = turns.filter((turn) => turn.conversationId !== abandoned);
    await bus.publish(campaignCompletedContract.topic, [
      encodeEvent(
        campaignCompletedContract,
        {
          campaignId,
          seed: 5,
          policy: 'reference',
          conversations: { requested: 6, completed: 5, failed: 1 },
          turns: listed.length,
          sessionIds: sessions,
          completedAt: new Date().toISOString(),
          lineage: { campaignId, parentEventIds: [] },
        },
        { source: 'simulator' },
      ),
    ]);
    await bus.publish(traceRefinedContract.topic, wires);
    await eventually(() => ready.length > 0, 'datasets.ready for the campaign', 120_000);

    const dataset = ready[0]!;
    expect(dataset.datasetId).toBe('ds_dealership');
    for (const [part, ref] of Object.entries(dataset.parts)) {
      await app.platform.artifacts.verify(ref);
      const bytes = await app.platform.artifacts.get(ref);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(ref.sha256);
      expect(fromJsonl(bytes.toString('utf8'))).toHaveLength(dataset.counts[part as keyof DatasetReady['counts']]!);
    }
    const manifest = await app.platform.artifacts.getManifest(dataset.manifest);
    const announced = [...Object.values(dataset.parts), dataset.evalHeldOut!.part];
    expect(Object.fromEntries(Object.entries(manifest.files).map(([name, ref]) => [name, ref.sha256]))).toEqual(
      Object.fromEntries(announced.map((ref) => [`${ref.kind.replace('dataset-', '')}.jsonl`, ref.sha256])),
    );
    expect(dataset.evalHeldOut).toMatchObject({ rows: 0, campaignIds: [] });
    expect(dataset.duplicates!.eval.after.promptsInTraining.count).toBe(0);
    expect(manifest.parents).toEqual(expect.arrayContaining([{ kind: 'campaign', id: campaignId }]));
    const [tracesParent] = manifest.parents.filter((parent) => parent.kind === 'traces');
    expect(manifest.parents.filter((parent) => parent.kind === 'traces')).toEqual([{ kind: 'traces', id: `${manifest.id}.traces`, sha256: expect.any(String) }]);
    const traces = (await app.platform.artifacts.listManifests()).find((entry) => entry.ref.sha256 === tracesParent!.sha256)!.manifest;
    expect(traces.metrics!.traces).toBe(listed.length);
    expect(fromJsonl((await app.platform.artifacts.get(traces.files['traces.jsonl']!)).toString('utf8'))).toHaveLength(listed.length);
    const splits = manifest.attributes!.splits as { train: string[]; eval: string[] };
    expect([...splits.train, ...splits.eval].sort()).toEqual([...sessions].sort());
    expect(dataset.counts.sft! + dataset.counts.eval!).toBeGreaterThan(0);
    expect(await count('SELECT count(*)::int AS n FROM curator.datasets WHERE campaign_id = $1', [campaignId])).toBe(1);
  });

  it('stores a redelivered traces.refined event once and builds nothing more', async () => {
    const stored = await count('SELECT count(*)::int AS n FROM curator.refined_turns WHERE conversation_id LIKE $1', [`${campaignId}%`]);
    expect(stored).toBe(turns.length);
    const before = await app.platform.database.dataSource.query('SELECT trace, event_id FROM curator.refined_turns WHERE turn_id = $1', [turns[0]!.turnId]);
    // The same event again, then a new turn on the same key (same partition, after it): once that one is stored, the redelivery was handled.
    const { eventId: _eventId, ...first } = turns[0]!;
    const sentinel = { ...first, turnId: `${first.turnId}_late`, turnIndex: 99 };
    await bus.publish(traceRefinedContract.topic, [wires[0]!, encodeEvent(traceRefinedContract, sentinel, { source: 'judge' })]);
    await eventually(async () => (await count('SELECT count(*)::int AS n FROM curator.refined_turns WHERE turn_id = $1', [sentinel.turnId])) === 1, 'the turn after the redelivered one', 60_000);
    expect(await count('SELECT count(*)::int AS n FROM curator.refined_turns WHERE conversation_id LIKE $1', [`${campaignId}%`])).toBe(turns.length + 1);
    expect(await app.platform.database.dataSource.query('SELECT trace, event_id FROM curator.refined_turns WHERE turn_id = $1', [turns[0]!.turnId])).toEqual(before);
    expect(await count(`SELECT count(*)::int AS n FROM curator.inbox WHERE consumer_group = 'curator-refined-traces' AND event_id = $1`, [wires[0]!.headers['distillery-event-id']])).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count('SELECT count(*)::int AS n FROM curator.datasets WHERE campaign_id = $1', [campaignId])).toBe(1);
    expect(ready).toHaveLength(1);
  });
});
