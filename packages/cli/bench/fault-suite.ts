/**
 * Fault-injection suite (`npm run test:faults`): the eight services as separate processes on the real
 * Kafka and PostgreSQL of `npm test` (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL), a
 * campaign running end to end through agents → traces.raw → judge → traces.refined → curator →
 * datasets.ready → trainer, while a randomly chosen service is SIGKILLed at a random moment,
 * FAULT_KILLS times (default 10), and restarted on the same ports. Then it counts along the chain —
 * turns, traces.raw events, refinements, traces.refined events, turns the curator stored, dataset
 * versions, training jobs — and prints one table: fault, count, lost, duplicated, recovery time.
 * Exits 1 when anything was lost or duplicated, or the chain did not finish.
 *
 * The trainer runs with DISTILLERY_TRAINER_SLOTS=0: a job is queued for the dataset (what is
 * counted) but not trained, so the suite needs no compute. FAULT_SEED picks the kills (default 7).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KafkaBus, subscribeEvents } from '@distillery/bus';
import { allTopics, campaignCompletedContract, datasetReadyContract, traceRawContract, traceRefinedContract } from '@distillery/contracts';
import { DRAFTER_DATASETS_GROUP } from '@distillery/drafter';
import { JUDGE_GROUP } from '@distillery/judge';
import { QUANTIZER_DATASETS_GROUP } from '@distillery/quantizer';
import { freePort, SERVICE_NAMES, type ServiceName } from '@distillery/service-kit';
import { apiFetch, createScratchDatabase, eventually, REPO_ROOT, skipGroupsToTopicEnds, type SpawnedNode, spawnNode } from '@distillery/testing';
import { TRAINER_GROUP } from '@distillery/trainer';
import pg from 'pg';

const brokersText = process.env.DISTILLERY_TEST_KAFKA_BROKERS;
const databaseUrl = process.env.DISTILLERY_TEST_DATABASE_URL;
const kills = Number(process.env.FAULT_KILLS ?? 10);
const conversations = Number(process.env.FAULT_CONVERSATIONS ?? 80);
let seed = Number(process.env.FAULT_SEED ?? 7);

/** A small seeded generator (mulberry32), so a failing run can be played again. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

interface Running {
  process: SpawnedNode;
  readonly env: Record<string, string>;
}

/** Consumer groups the chain's services read with; moved past earlier runs' events first. */
const GROUPS: ReadonlyArray<readonly [string, string]> = [
  [JUDGE_GROUP, traceRawContract.topic],
  ['curator-refined-traces', traceRefinedContract.topic],
  ['curator-campaigns', campaignCompletedContract.topic],
  [TRAINER_GROUP, datasetReadyContract.topic],
  [DRAFTER_DATASETS_GROUP, datasetReadyContract.topic],
  [QUANTIZER_DATASETS_GROUP, datasetReadyContract.topic],
];

async function main(): Promise<void> {
  if (!brokersText || !databaseUrl) {
    process.stderr.write('test:faults needs DISTILLERY_TEST_KAFKA_BROKERS and DISTILLERY_TEST_DATABASE_URL (npm test starts both)\n');
    process.exit(2);
  }
  const brokers = brokersText.split(',');
  const tenant = `faults-${randomUUID().slice(0, 8)}`;
  const campaignId = `camp_${tenant}`;
  const scratch = await createScratchDatabase(databaseUrl);
  const dataDir = await mkdtemp(join(tmpdir(), 'distillery-faults-'));
  const reader = new KafkaBus({ brokers, clientId: `faults-reader-${tenant}`, partitions: 3 });
  const running = new Map<ServiceName, Running>();
  const db = new pg.Client({ connectionString: scratch.url });
  let status = 1;
  try {
    await reader.ensureTopics(allTopics());
    await skipGroupsToTopicEnds(brokers, GROUPS);
    // What crossed the topics for this run: event ids by turn (raw) and by the raw event refined.
    const raw = new Map<string, Set<string>>();
    const refined = new Map<string, Set<string>>();
    const readyEvents = new Set<string>();
    const note = (map: Map<string, Set<string>>, key: string, eventId: string) => map.set(key, (map.get(key) ?? new Set()).add(eventId));
    await subscribeEvents(reader, traceRawContract, { groupId: `faults-raw-${tenant}`, handler: async (event) => void (event.data.tenant === tenant && note(raw, event.data.turnId, event.id)) });
    await subscribeEvents(reader, traceRefinedContract, { groupId: `faults-refined-${tenant}`, handler: async (event) => void (event.data.tenant === tenant && note(refined, event.data.rawEventId, event.id)) });
    await subscribeEvents(reader, datasetReadyContract, { groupId: `faults-ready-${tenant}`, handler: async (event) => void (event.data.lineage.campaignId === campaignId && readyEvents.add(event.id)) });

    const grpcPort = await freePort();
    const base = { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: brokers.join(','), DISTILLERY_DATABASE_URL: scratch.url, DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'info', DISTILLERY_API_KEYS: 'fault-key:faults:admin' };
    const own: Record<ServiceName, Record<string, string>> = {
      agents: { DISTILLERY_AGENTS_GRPC_PORT: String(grpcPort), DISTILLERY_AGENTS_API_KEYS: `fault-key:${tenant}:admin`, DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000', DISTILLERY_AGENTS_RATE_BURST: '10000' },
      simulator: { DISTILLERY_SIMULATOR_AGENTS_ADDRESS: `127.0.0.1:${grpcPort}`, DISTILLERY_SIMULATOR_API_KEY: 'fault-key', DISTILLERY_SIMULATOR_LEASE_MS: '1500', DISTILLERY_SIMULATOR_CALL_TIMEOUT_MS: '10000' },
      judge: {},
      curator: { DISTILLERY_CURATOR_POLL_MS: '100' },
      trainer: { DISTILLERY_TRAINER_SLOTS: '0' },
      drafter: {},
      quantizer: {},
      serving: { DISTILLERY_SERVING_GRPC_PORT: String(await freePort()) },
    };
    const start = async (name: ServiceName, env: Record<string, string>): Promise<SpawnedNode> => {
      const child = spawnNode(resolve(REPO_ROOT, `services/${name}/dist/src/main.js`), [], env);
      await child.waitFor('"msg":"listening"', 120_000);
      return child;
    };
    process.stdout.write(`fault suite: the eight services as processes on ${brokers.join(',')} and a scratch database; campaign ${campaignId} (${conversations} conversations)\n`);
    for (const name of SERVICE_NAMES) {
      const env = { ...base, ...own[name], DISTILLERY_HTTP_PORT: String(await freePort()) };
      running.set(name, { process: await start(name, env), env });
    }
    const url = (name: ServiceName) => `http://127.0.0.1:${running.get(name)!.env.DISTILLERY_HTTP_PORT}`;
    const call = (name: ServiceName, path: string, init: RequestInit = {}) => apiFetch(`${url(name)}${path}`, { ...init, headers: { 'x-api-key': 'fault-key', ...(init.headers as Record<string, string> | undefined) } });
    const campaignStarted = performance.now();
    const created = await call('simulator', '/simulator/campaigns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ campaignId, count: conversations, seed: 11, concurrency: 4 }) });
    if (created.status !== 201) throw new Error(`POST /simulator/campaigns answered ${created.status}: ${await created.text()}`);

    // The faults: a random service, a random moment (0.5–3 s apart), SIGKILL, restart on the same ports.
    const recoveries: Array<{ service: ServiceName; ms: number }> = [];
    for (let kill = 0; kill < kills; kill++) {
      await new Promise((done) => setTimeout(done, 500 + random() * 2_500));
      const name = SERVICE_NAMES[Math.floor(random() * SERVICE_NAMES.length)]!;
      const victim = running.get(name)!;
      const killedAt = performance.now();
      victim.process.child.kill('SIGKILL');
      await victim.process.exited;
      victim.process = await start(name, victim.env);
      recoveries.push({ service: name, ms: performance.now() - killedAt });
      process.stdout.write(`  kill ${kill + 1}/${kills}: ${name} SIGKILLed, listening again after ${Math.round(performance.now() - killedAt)} ms\n`);
    }

    // The chain finishes: the campaign completes, the curator builds its dataset, the trainer queues a job.
    const lastKill = (performance.now() - campaignStarted) / 1000;
    await eventually(async () => ((await (await call('simulator', `/simulator/campaigns/${campaignId}`)).json()) as { status: string }).status === 'completed', 'the campaign to complete', 600_000, 500);
    process.stdout.write(`  the campaign completed ${((performance.now() - campaignStarted) / 1000).toFixed(0)} s after it started; the last kill came at ${lastKill.toFixed(0)} s\n`);
    await eventually(async () => ((await (await call('curator', `/curator/campaigns/${campaignId}`)).json()) as { status?: string }).status === 'built', 'the curator to build the campaign', 300_000, 500);
    await db.connect();
    const query = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as Array<Record<string, number | string>>;
    await eventually(async () => Number((await query(`SELECT count(*)::int AS n FROM trainer.jobs j JOIN curator.datasets d ON d.dataset_id = j.dataset_id AND d.version = j.dataset_version WHERE d.campaign_id = $1`, [campaignId]))[0]!.n) > 0, 'a training job for the dataset', 120_000, 500);
    await new Promise((done) => setTimeout(done, 3_000)); // room for a late duplicate to show up

    const one = async (sql: string, params: unknown[] = [campaignId]) => Number((await query(sql, params))[0]!.n);
    const turns = await one(`SELECT count(*)::int AS n FROM agents.turns t JOIN agents.sessions s ON s.id = t.session_id WHERE s.campaign_id = $1`);
    const turnIds = new Set((await query(`SELECT t.id FROM agents.turns t JOIN agents.sessions s ON s.id = t.session_id WHERE s.campaign_id = $1`, [campaignId])).map((row) => String(row.id)));
    const refinedTurns = await one(`SELECT count(DISTINCT turn_id)::int AS n FROM judge.refinements WHERE tenant = $1`, [tenant]);
    const refinedRawEvents = await one(`SELECT count(DISTINCT raw_event_id)::int AS n FROM judge.refinements WHERE tenant = $1`, [tenant]);
    const stored = await one(`SELECT count(*)::int AS n FROM curator.refined_turns WHERE campaign_id = $1`);
    const storedTurnsOfCampaign = new Set((await query(`SELECT turn_id AS id FROM curator.refined_turns WHERE campaign_id = $1`, [campaignId])).map((row) => String(row.id)));
    const versions = await one(`SELECT count(*)::int AS n FROM curator.datasets WHERE campaign_id = $1`);
    const jobs = await one(`SELECT count(*)::int AS n FROM trainer.jobs j JOIN curator.datasets d ON d.dataset_id = j.dataset_id AND d.version = j.dataset_version WHERE d.campaign_id = $1`);
    const rawTurns = [...raw.keys()].filter((id) => turnIds.has(id));
    const refinedEvents = [...refined.values()];

    const rows: Array<[string, number, string, string, string]> = [];
    const recovery = (service?: ServiceName) => {
      const times = recoveries.filter((entry) => !service || entry.service === service).map((entry) => entry.ms);
      return times.length ? `${Math.round(Math.max(...times))} ms max, ${Math.round(times.reduce((a, b) => a + b, 0) / times.length)} ms mean` : '—';
    };
    for (const service of SERVICE_NAMES) {
      const count = recoveries.filter((entry) => entry.service === service).length;
      if (count) rows.push([`SIGKILL ${service}`, count, '(counted below)', '(counted below)', recovery(service)]);
    }
    const chain: Array<[string, number, number, number]> = [
      ['turns (agents)', turns, 0, 0],
      ['traces.raw events', rawTurns.length, turns - rawTurns.length, [...raw.values()].filter((ids) => ids.size > 1).length],
      ['refinements (judge)', refinedTurns, turns - refinedTurns, refinedRawEvents - refinedTurns],
      ['traces.refined events', refinedEvents.length, refinedRawEvents - refinedEvents.length, refinedEvents.filter((ids) => ids.size > 1).length],
      ['turns stored (curator)', stored, [...turnIds].filter((id) => !storedTurnsOfCampaign.has(id)).length, 0],
      ['dataset versions', versions, versions === 0 ? 1 : 0, Math.max(0, versions - 1)],
      ['datasets.ready events', readyEvents.size, readyEvents.size === 0 ? 1 : 0, Math.max(0, readyEvents.size - 1)],
      ['training jobs', jobs, jobs === 0 ? 1 : 0, Math.max(0, jobs - 1)],
    ];
    const lost = chain.reduce((sum, row) => sum + row[2], 0);
    const duplicated = chain.reduce((sum, row) => sum + row[3], 0);
    process.stdout.write(
      [
        '',
        `| fault | count | lost | duplicated | recovery time |`,
        '|---|---|---|---|---|',
        ...rows.map((row) => `| ${row.join(' | ')} |`),
        `| all ${kills} kills, counted along the chain | ${kills} | ${lost} | ${duplicated} | ${recovery()} |`,
        '',
        '| along the chain | found | lost | duplicated |',
        '|---|---|---|---|',
        ...chain.map((row) => `| ${row.join(' | ')} |`),
        '',
      ].join('\n'),
    );
    status = lost === 0 && duplicated === 0 && turns > 0 ? 0 : 1;
  } finally {
    for (const entry of running.values()) entry.process.child.kill('SIGKILL');
    await db.end().catch(() => undefined);
    await reader.close();
    await scratch.drop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
  process.exit(status);
}

await main();
