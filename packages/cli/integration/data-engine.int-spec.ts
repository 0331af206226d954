/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * The data engine distributed, on one scratch database: the agents, two judge replicas sharing
 * traces.raw and the curator run in this process; the simulator runs in a child process that is
 * SIGKILLed mid-way through a 200-conversation campaign, and a second one resumes it. No conversation is played twice to
 * the end, abandoned sessions stay out of the campaign, campaigns.completed comes once, and the
 * curator's dataset holds its invariants. DATA_ENGINE_INT_LOG=info shows the services' logs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { agentsService } from '@distillery/agents';
import { DEFAULT_RULES, toolCatalog } from '@distillery/dealership';
import { KafkaBus, subscribeEvents } from '@distillery/bus';
import { allTopics, type CampaignCompleted, campaignCompletedContract, type DatasetReady, datasetReadyContract, traceRawContract, traceRefinedContract } from '@distillery/contracts';
import { curatorService, datasetProblems, readDatasetRows } from '@distillery/curator';
import { JUDGE_GROUP, judgeService } from '@distillery/judge';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import type { CampaignProgress } from '@distillery/simulator';
import { apiFetch, createScratchDatabase, eventually, integrationServers, REPO_ROOT, skipGroupsToTopicEnds, type SpawnedNode, spawnNode } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servers = integrationServers();
const SIMULATOR_MAIN = resolve(REPO_ROOT, 'services/simulator/dist/src/main.js');

describe.skipIf(!servers)('simulate → judge → curate over Kafka and PostgreSQL, the simulator killed mid-campaign', () => {
  const tenant = `engine-int-${randomUUID().slice(0, 8)}`;
  const campaignId = `camp_${tenant}`;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dataDir: string;
  let reader: KafkaBus;
  let env: Record<string, string>;
  let simulatorEnv: Record<string, string>;
  const apps: RunningApp[] = [];
  const judges: RunningApp[] = [];
  const simulators: SpawnedNode[] = [];
  const completed: CampaignCompleted[] = [];
  const ready: DatasetReady[] = [];
  const rows = async (sql: string, params: unknown[] = []) => (await apps[0]!.platform.database.dataSource.query(sql, params)) as Array<Record<string, unknown>>;

  async function startSimulator(): Promise<{ child: SpawnedNode; url: string }> {
    const port = await freePort();
    const child = spawnNode(SIMULATOR_MAIN, [], { ...simulatorEnv, DISTILLERY_HTTP_PORT: String(port) });
    simulators.push(child);
    await child.waitFor('"msg":"listening"', 60_000);
    return { child, url: `http://127.0.0.1:${port}` };
  }

  const progressOf = async (url: string) => (await (await apiFetch(`${url}/simulator/campaigns/${campaignId}`)).json()) as CampaignProgress;

  beforeAll(async () => {
    const brokers = servers!.kafkaBrokers;
    scratch = await createScratchDatabase(servers!.databaseUrl);
    dataDir = await mkdtemp(join(tmpdir(), 'distillery-engine-int-'));
    env = {
      DISTILLERY_MODE: 'distributed',
      DISTILLERY_KAFKA_BROKERS: brokers.join(','),
      DISTILLERY_DATABASE_URL: scratch.url,
      DISTILLERY_DATA_DIR: dataDir,
      DISTILLERY_LOG_LEVEL: process.env.DATA_ENGINE_INT_LOG ?? 'silent',
    };

    // Earlier runs' events are not this test's: the consumer groups start at the ends of their topics.
    reader = new KafkaBus({ brokers, clientId: 'engine-int-reader', partitions: 3 });
    await reader.ensureTopics(allTopics());
    await skipGroupsToTopicEnds(brokers, [[JUDGE_GROUP, traceRawContract.topic], ['curator-refined-traces', traceRefinedContract.topic], ['curator-campaigns', campaignCompletedContract.topic]]);
    await subscribeEvents(reader, campaignCompletedContract, { groupId: `engine-int-completed-${tenant}`, handler: async (event) => void (event.data.campaignId === campaignId && completed.push(event.data)) });
    await subscribeEvents(reader, datasetReadyContract, { groupId: `engine-int-ready-${tenant}`, handler: async (event) => void (event.data.lineage.campaignId === campaignId && ready.push(event.data)) });

    const grpcPort = await freePort();
    apps.push(
      await startApp([agentsService], {
        name: 'agents',
        defaultPort: 0,
        env: {
          ...env,
          DISTILLERY_AGENTS_GRPC_PORT: String(grpcPort),
          DISTILLERY_AGENTS_API_KEYS: `engine-key:${tenant}`,
          DISTILLERY_AGENTS_ADMIN_TENANTS: tenant,
          DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000',
          DISTILLERY_AGENTS_RATE_BURST: '10000',
        },
      }),
    );
    for (const name of ['judge-a', 'judge-b']) judges.push(await startApp([judgeService], { name, defaultPort: 0, env }));
    apps.push(...judges, await startApp([curatorService], { name: 'curator', defaultPort: 0, env: { ...env, DISTILLERY_CURATOR_POLL_MS: '100' } }));
    simulatorEnv = {
      ...env,
      DISTILLERY_LOG_LEVEL: 'info',
      DISTILLERY_SIMULATOR_AGENTS_ADDRESS: `127.0.0.1:${grpcPort}`,
      DISTILLERY_SIMULATOR_API_KEY: 'engine-key',
      DISTILLERY_SIMULATOR_LEASE_MS: '1500',
    };
  }, 240_000);

  afterAll(async () => {
    for (const child of simulators) child.child.kill('SIGKILL');
    for (const app of apps.reverse()) await app.close();
    await reader?.close();
    await scratch?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes the campaign in a new replica without a conversation played twice, and the dataset holds', async () => {
    const first = await startSimulator();
    const created = await apiFetch(`${first.url}/simulator/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId, count: 200, seed: 5, concurrency: 8, switchRate: 0.2, injectionRate: 0.1 }),
    });
    expect(created.status).toBe(201);
    await eventually(async () => (await progressOf(first.url)).conversations.done >= 40, '40 conversations finished', 120_000, 100);
    first.child.child.kill('SIGKILL');
    expect(await first.child.exited).toBe('SIGKILL');
    const { url } = await startSimulator();
    expect((await progressOf(url)).conversations.done).toBeLessThan(200);
    await eventually(async () => (await progressOf(url)).status === 'completed', 'the resumed campaign to complete', 240_000, 250);
    const progress = await progressOf(url);
    expect(progress.conversations).toEqual({ pending: 0, running: 0, done: 200, failed: 0 });

    const conversations = await rows(
      `SELECT conversation_index AS index, attempt, session_id AS "sessionId", abandoned_session_ids AS abandoned FROM simulator.conversations WHERE campaign_id = $1 ORDER BY 1`,
      [campaignId],
    );
    const sessions = conversations.map((row) => row.sessionId as string);
    const abandoned = conversations.flatMap((row) => row.abandoned as string[]);
    expect(new Set(sessions).size).toBe(200);
    expect(abandoned.filter((id) => sessions.includes(id))).toEqual([]);
    expect(conversations.filter((row) => (row.attempt as number) > 1).length).toBeGreaterThan(0); // what the crash left running was played again
    // Every agents session of the campaign is a finished conversation's or an abandoned attempt's; the
    // only others are sessions the kill caught between their creation and their journal entry, with no turn.
    const agentSessions = await rows('SELECT id, turn_count AS turns FROM agents.sessions WHERE campaign_id = $1', [campaignId]);
    const known = new Set([...sessions, ...abandoned]);
    expect(agentSessions.filter((row) => !known.has(row.id as string) && (row.turns as number) > 0)).toEqual([]);
    expect(agentSessions.filter((row) => known.has(row.id as string))).toHaveLength(known.size);

    await eventually(() => completed.length > 0, 'campaigns.completed', 60_000);
    await eventually(() => ready.length > 0, 'the campaign dataset on datasets.ready', 180_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // room for a duplicate to show up
    expect(completed).toHaveLength(1);
    expect(new Set(completed[0]!.sessionIds)).toEqual(new Set(sessions));
    expect(ready).toHaveLength(1);

    const dataset = await readDatasetRows(apps[0]!.platform.artifacts, ready[0]!);
    expect(datasetProblems(dataset, toolCatalog(DEFAULT_RULES))).toEqual([]);
    const trained = new Set([...dataset.sft, ...dataset.eval].map((row) => row.conversationId));
    expect([...trained].filter((id) => !sessions.includes(id))).toEqual([]);
    expect(trained.size).toBeGreaterThan(150);

    // Both judge replicas refined some of the campaign's turns.
    const byReplica = await rows('SELECT judged_by, count(DISTINCT raw_event_id)::int AS n FROM judge.refinements WHERE tenant = $1 GROUP BY judged_by', [tenant]);
    expect(byReplica).toHaveLength(2);
  }, 600_000);
});
