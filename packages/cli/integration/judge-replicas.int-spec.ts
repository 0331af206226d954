/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * The agents service (reference teacher erring at 0.3) plays scripted conversations over gRPC; its
 * traces.raw events reach two judge replicas that share the partitions in the consumer group
 * `judge`, on one scratch database. Every raw event yields exactly one traces.refined event and
 * its rows, both replicas do work, and a redelivered raw event (same event id) yields nothing more.
 * JUDGE_INT_LOG=info (or debug) shows the services' logs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { type BusRecord, KafkaBus, publishEvents } from '@distillery/bus';
import { allTopics, decodeEvent, traceRawContract, traceRefinedContract, type TraceRaw } from '@distillery/contracts';
import { JUDGE_GROUP, judgeService } from '@distillery/judge';
import { AgentsClient } from '@distillery/proto';
import { scriptedConversations } from '@distillery/reference-teacher';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { createScratchDatabase, eventually, integrationServers } from '@distillery/testing';
import { type Admin, AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servers = integrationServers();
const metric = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

/** The traces.raw partitions each member of the judge group holds. */
async function judgeAssignment(admin: Admin): Promise<{ state: string; partitions: number[][] }> {
  const { groups } = await admin.describeGroups([JUDGE_GROUP]);
  const group = groups[0]!;
  return {
    state: group.state,
    partitions: group.members.map((member) => AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[traceRawContract.topic] ?? []),
  };
}

describe.skipIf(!servers)('two judge replicas over Kafka and PostgreSQL', () => {
  const tenant = `judge-int-${randomUUID().slice(0, 8)}`;
  const raw = new Map<string, { trace: TraceRaw; record: BusRecord }>();
  const refinedByRaw = new Map<string, string[]>();
  let scratch: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let admin: Admin;
  let reader: KafkaBus;
  const judges: RunningApp[] = [];
  let agents: RunningApp | undefined;
  let turns = 0;
  const scrape = async (app: RunningApp) => (await fetch(`${app.url}/metrics`)).text();
  const rows = async (sql: string, params: unknown[] = []) => (await judges[0]!.platform.database.dataSource.query(sql, params)) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    const brokers = servers!.kafkaBrokers;
    scratch = await createScratchDatabase(servers!.databaseUrl);
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-judge-int-'));
    const env = { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: brokers.join(','), DISTILLERY_DATABASE_URL: scratch.url, DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: process.env.JUDGE_INT_LOG ?? 'silent' };

    // Earlier runs' traces are not this test's: the judge group starts at the end of traces.raw.
    reader = new KafkaBus({ brokers, clientId: 'judge-int-reader', partitions: 3 });
    await reader.ensureTopics(allTopics());
    admin = new Kafka({ clientId: 'judge-int-admin', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(traceRawContract.topic);
    await admin.setOffsets({ groupId: JUDGE_GROUP, topic: traceRawContract.topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });

    // Two replicas, one after the other (the first runs the judge migrations), then a settled group.
    for (const name of ['judge-a', 'judge-b']) judges.push(await startApp([judgeService], { name, defaultPort: 0, env }));
    await eventually(async () => {
      const { state, partitions } = await judgeAssignment(admin);
      return state === 'Stable' && partitions.length === 2 && partitions.every((held) => held.length > 0);
    }, 'both judge replicas to hold traces.raw partitions', 60_000, 250);

    await reader.subscribe({
      groupId: `judge-int-raw-${tenant}`,
      topics: [traceRawContract.topic],
      handler: async (record) => {
        const event = decodeEvent(traceRawContract, record.value);
        if (event.data.tenant === tenant) raw.set(event.id, { trace: event.data, record });
      },
    });
    await reader.subscribe({
      groupId: `judge-int-refined-${tenant}`,
      topics: [traceRefinedContract.topic],
      handler: async (record) => {
        const event = decodeEvent(traceRefinedContract, record.value);
        if (event.data.tenant === tenant) refinedByRaw.set(event.data.rawEventId, [...(refinedByRaw.get(event.data.rawEventId) ?? []), event.id]);
      },
    });

    const port = await freePort();
    agents = await startApp([agentsService], {
      name: 'agents',
      defaultPort: 0,
      env: {
        ...env,
        DISTILLERY_AGENTS_GRPC_PORT: String(port),
        DISTILLERY_AGENTS_SEED: '7',
        DISTILLERY_AGENTS_MISTAKE_RATE: '0.3',
        DISTILLERY_AGENTS_API_KEYS: `judge-int-key:${tenant}`,
        DISTILLERY_AGENTS_RATE_PER_MINUTE: '100000',
        DISTILLERY_AGENTS_RATE_BURST: '1000',
      },
    });
    const client = new AgentsClient({ address: `127.0.0.1:${port}`, apiKey: 'judge-int-key', timeoutMs: 30_000 });
    try {
      const queue = scriptedConversations({ seed: 7, now: new Date(), count: 16 });
      // Four customers at a time; a conversation the agents end (a hand-off after failed plans) stops there.
      await Promise.all(Array.from({ length: 4 }, async () => {
        for (let conversation = queue.shift(); conversation; conversation = queue.shift()) {
          const session = await client.createSession({ customerRef: conversation.customerRef, locale: 'en-US', source: 'SIMULATION', campaignId: tenant });
          for (const turn of conversation.turns) {
            const reply = await client.sendMessage({ sessionId: session.sessionId, text: turn.say });
            turns++;
            if (reply.ended) break;
          }
        }
      }));
    } finally {
      client.close();
    }
    await eventually(() => raw.size === turns, `the ${turns} traces.raw events of this run`, 60_000);
    await eventually(() => [...raw.keys()].every((id) => refinedByRaw.has(id)), 'a traces.refined event for every traces.raw event', 120_000);
  }, 280_000);

  afterAll(async () => {
    await agents?.close();
    for (const judge of judges) await judge.close();
    await reader?.close();
    await admin?.disconnect();
    await scratch?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refines every raw event exactly once: one traces.refined event and one row per call', async () => {
    expect(turns).toBeGreaterThan(30);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // room for a duplicate to show up
    expect(refinedByRaw.size).toBe(raw.size);
    expect([...refinedByRaw.values()].filter((ids) => ids.length !== 1)).toEqual([]);
    const calls = [...raw.values()].reduce((sum, { trace }) => sum + trace.calls.length, 0);
    const [counts] = await rows('SELECT count(*)::int AS n, count(DISTINCT raw_event_id)::int AS events FROM judge.refinements WHERE tenant = $1', [tenant]);
    expect(counts).toEqual({ n: calls, events: raw.size });
    const verdicts = await rows('SELECT verdict, count(*)::int AS n FROM judge.refinements WHERE tenant = $1 GROUP BY verdict', [tenant]);
    expect(verdicts.map((row) => row.verdict)).toEqual(expect.arrayContaining(['accepted', 'corrected']));
  });

  it('shares the partitions of traces.raw between the two replicas, and both did work', async () => {
    const { partitions } = await judgeAssignment(admin);
    expect(partitions.flat().sort()).toEqual([...new Set(partitions.flat())].sort());
    const byReplica = await rows('SELECT judged_by, count(DISTINCT raw_event_id)::int AS n FROM judge.refinements WHERE tenant = $1 GROUP BY judged_by', [tenant]);
    expect(byReplica).toHaveLength(2);
    for (const judge of judges) expect(metric(await scrape(judge), 'distillery_judge_traces_total', 'outcome="refined"')).toBeGreaterThan(0);
  });

  it('writes nothing for a redelivered raw event (the same wire message, the same event id)', async () => {
    const [rawEventId, { trace, record }] = [...raw.entries()][0]!;
    const duplicates = async () => (await Promise.all(judges.map(async (judge) => metric(await scrape(judge), 'distillery_judge_traces_total', 'outcome="duplicate"')))).reduce((sum, count) => sum + count, 0);
    const [before, skippedBefore] = [(await rows('SELECT count(*)::int AS n FROM judge.refinements WHERE raw_event_id = $1', [rawEventId]))[0]!.n, await duplicates()];
    await reader.publish(traceRawContract.topic, [{ key: record.key ?? '', value: record.value!, headers: record.headers }]);
    // A fresh event with the same key follows on the same partition: once it is refined, the redelivery was handled.
    const [sentinel] = await publishEvents(reader, traceRawContract, [{ ...trace, turnId: `${trace.turnId}-sentinel` }], { source: 'judge-int' });
    await eventually(() => refinedByRaw.has(sentinel!), 'the event after the redelivered one to be refined', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(refinedByRaw.get(rawEventId)).toHaveLength(1);
    expect((await rows('SELECT count(*)::int AS n FROM judge.refinements WHERE raw_event_id = $1', [rawEventId]))[0]!.n).toBe(before);
    expect(await duplicates()).toBeGreaterThan(skippedBefore);
  });
});
