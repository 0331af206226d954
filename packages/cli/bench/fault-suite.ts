/**
 * Fault-injection suite (`npm run test:faults`): the eight services as separate processes on the real
 * Kafka and PostgreSQL of `npm test` (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL),
 * campaigns running end to end through agents → traces.raw → judge → traces.refined → curator →
 * datasets.ready → trainer, under three kinds of fault:
 *   1. a randomly chosen service SIGKILLed at a random moment, FAULT_KILLS times (default 10), and
 *      restarted on the same ports, during the first campaign;
 *   2. poison records (not JSON, wrong schema, wrong version, oversized) on every topic a service
 *      consumes: each must land in the topic's `.dlq` twin once per consumer group, with its reason;
 *   3. the Kafka broker, then PostgreSQL, restarted during a second campaign (which also shows the
 *      consumers went on past the poison);
 *   4. a training job killed mid-stage: the trainer restarted with a slot and the compute plane
 *      (micro preset), SIGKILLed with its first campaign's job past a stage, and started again: the
 *      job's lease runs out, it is requeued and resumes from its run dir (the stages done are not
 *      trained again), and every file of its checkpoint verifies against its sha256.
 * Each campaign is counted along the chain — turns, traces.raw events, refinements, traces.refined
 * events, turns the curator stored, dataset versions, datasets.ready events, training jobs — and one
 * table prints fault, count, lost, duplicated and recovery time. Exits 1 when anything was lost or
 * duplicated, or a chain did not finish.
 *
 * Until the fourth fault the trainer runs with DISTILLERY_TRAINER_SLOTS=0: a job is queued for the
 * dataset (what is counted) but not trained. The fourth needs the compute venv (bash
 * compute/bootstrap.sh). FAULT_SEED picks the kills (default 7).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FileArtifactStore } from '@distillery/artifacts';
import { KafkaBus, subscribeEvents } from '@distillery/bus';
import { allTopics, type ArtifactRef, campaignCompletedContract, datasetReadyContract, DLQ_HEADERS, dlqOf, TOPICS, traceRawContract, traceRefinedContract } from '@distillery/contracts';
import { DRAFTER_DATASETS_GROUP } from '@distillery/drafter';
import { JUDGE_GROUP } from '@distillery/judge';
import { QUANTIZER_DATASETS_GROUP } from '@distillery/quantizer';
import { freePort, SERVICE_NAMES, type ServiceName } from '@distillery/service-kit';
import { apiFetch, createScratchDatabase, eventually, kafkaControl, REPO_ROOT, skipGroupsToTopicEnds, type SpawnedNode, spawnNode } from '@distillery/testing';
import { ALL_SERVICES } from '../src/all-services.js';
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

/** One row of the chain's count: what, found, lost, duplicated. */
type ChainRow = readonly [string, number, number, number];

/** The poison records' size past the services' DISTILLERY_MAX_MESSAGE_BYTES (set to 256 KiB here), under the broker's 1 MB. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const POISON_BYTES = 400 * 1024;
const POISON_REASONS = { 'not JSON': 'not-json', 'wrong schema': 'schema-invalid', 'wrong version': 'unsupported-version', oversized: 'too-large' } as const;

/** Four poison records for `topic`, each carrying `marker` so its dead letters can be told apart. */
function poisons(marker: string, topic: string, oversizedBytes: number): Array<[keyof typeof POISON_REASONS, string]> {
  const envelope = (version: number, data: unknown) => JSON.stringify({ id: `${marker}-${topic}-${randomUUID()}`, type: topic, version, time: new Date().toISOString(), source: 'fault-suite', data });
  return [
    ['not JSON', `${marker} {this is not json`],
    ['wrong schema', envelope(1, { marker, unexpected: true })],
    ['wrong version', envelope(99, { marker })],
    ['oversized', envelope(1, { marker, padding: 'x'.repeat(oversizedBytes) })],
  ];
}

/** Stops and starts the PostgreSQL of `npm test` (infra/postgres/postgres.sh), keeping its data. */
async function postgresControl(command: 'restart'): Promise<void> {
  await promisify(execFile)('bash', [resolve(REPO_ROOT, 'infra/postgres/postgres.sh'), command], { timeout: 180_000 });
}

interface Running {
  process: SpawnedNode;
  env: Record<string, string>;
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
  let status = 1;
  try {
    await reader.ensureTopics(allTopics());
    await skipGroupsToTopicEnds(brokers, GROUPS);
    // What crossed the topics for this run: event ids by turn (raw) and by the raw event refined.
    const raw = new Map<string, Set<string>>();
    const refined = new Map<string, { turnId: string; events: Set<string> }>();
    const readyEvents = new Map<string, Set<string>>();
    const deadLetters: Array<{ topic: string; reason: string }> = [];
    await subscribeEvents(reader, traceRawContract, { groupId: `faults-raw-${tenant}`, handler: async (event) => void (event.data.tenant === tenant && raw.set(event.data.turnId, (raw.get(event.data.turnId) ?? new Set()).add(event.id))) });
    await subscribeEvents(reader, traceRefinedContract, {
      groupId: `faults-refined-${tenant}`,
      handler: async (event) => {
        if (event.data.tenant !== tenant) return;
        const entry = refined.get(event.data.rawEventId) ?? { turnId: event.data.turnId, events: new Set<string>() };
        refined.set(event.data.rawEventId, { ...entry, events: entry.events.add(event.id) });
      },
    });
    await subscribeEvents(reader, datasetReadyContract, {
      groupId: `faults-ready-${tenant}`,
      handler: async (event) => {
        const id = event.data.lineage.campaignId;
        if (id?.startsWith(campaignId)) readyEvents.set(id, (readyEvents.get(id) ?? new Set()).add(event.id));
      },
    });
    await reader.subscribe({
      groupId: `faults-dlq-${tenant}`,
      topics: TOPICS.map(dlqOf),
      handler: async (record) => {
        // The dead letters of the services' groups (this suite's own readers dead-letter the poison too).
        if (record.value?.includes(`poison-${tenant}`) && !record.headers[DLQ_HEADERS.consumerGroup]?.startsWith('faults-')) deadLetters.push({ topic: record.headers[DLQ_HEADERS.sourceTopic] ?? '?', reason: record.headers[DLQ_HEADERS.reason] ?? '?' });
      },
    });

    const grpcPort = await freePort();
    const base = { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: brokers.join(','), DISTILLERY_DATABASE_URL: scratch.url, DISTILLERY_DATA_DIR: dataDir, DISTILLERY_LOG_LEVEL: 'info', DISTILLERY_API_KEYS: 'fault-key:faults:admin', DISTILLERY_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) };
    const own: Record<ServiceName, Record<string, string>> = {
      agents: { DISTILLERY_AGENTS_GRPC_PORT: String(grpcPort), DISTILLERY_AGENTS_API_KEYS: `fault-key:${tenant}:admin`, DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000', DISTILLERY_AGENTS_RATE_BURST: '10000' },
      simulator: { DISTILLERY_SIMULATOR_AGENTS_ADDRESS: `127.0.0.1:${grpcPort}`, DISTILLERY_SIMULATOR_API_KEY: 'fault-key', DISTILLERY_SIMULATOR_LEASE_MS: '1500', DISTILLERY_SIMULATOR_CALL_TIMEOUT_MS: '10000' },
      judge: {},
      curator: { DISTILLERY_CURATOR_POLL_MS: '100' },
      // Jobs are queued with the micro preset (their settings are fixed when queued); the fourth fault runs one.
      trainer: { DISTILLERY_TRAINER_SLOTS: '0', DISTILLERY_TRAINER_PRESET: 'micro', DISTILLERY_TRAINER_MAX_STEPS: '200', DISTILLERY_TRAINER_EVAL_LIMIT: '0', DISTILLERY_TRAINER_DEVICE: 'cpu' },
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
    // A connection per query: PostgreSQL is restarted under this suite.
    const query = async (sql: string, params: unknown[]) => {
      const db = new pg.Client({ connectionString: scratch.url });
      await db.connect();
      try {
        return (await db.query(sql, params)).rows as Array<Record<string, number | string>>;
      } finally {
        await db.end();
      }
    };
    const startCampaign = async (id: string, count: number, concurrency: number) => {
      const created = await call('simulator', '/simulator/campaigns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ campaignId: id, count, seed: 11, concurrency }) });
      if (created.status !== 201) throw new Error(`POST /simulator/campaigns answered ${created.status}: ${await created.text()}`);
      return performance.now();
    };

    /** Waits for the campaign to complete, the curator to build it and the trainer to queue its job; then counts it along the chain. */
    const countChain = async (id: string, started: number, lastFault: number): Promise<ChainRow[]> => {
      await eventually(async () => ((await (await call('simulator', `/simulator/campaigns/${id}`)).json()) as { status: string }).status === 'completed', `campaign ${id} to complete`, 600_000, 500);
      process.stdout.write(`  ${id} completed ${((performance.now() - started) / 1000).toFixed(0)} s after it started; the last fault came at ${((lastFault - started) / 1000).toFixed(0)} s\n`);
      await eventually(async () => ((await (await call('curator', `/curator/campaigns/${id}`)).json()) as { status?: string }).status === 'built', `the curator to build ${id}`, 300_000, 500);
      const jobsSql = `SELECT count(*)::int AS n FROM trainer.jobs j JOIN curator.datasets d ON d.dataset_id = j.dataset_id AND d.version = j.dataset_version WHERE d.campaign_id = $1`;
      await eventually(async () => Number((await query(jobsSql, [id]))[0]!.n) > 0, `a training job for ${id}'s dataset`, 120_000, 500);
      await new Promise((done) => setTimeout(done, 3_000)); // room for a late duplicate to show up
      const one = async (sql: string, params: unknown[] = [id]) => Number((await query(sql, params))[0]!.n);
      const ids = async (sql: string) => new Set((await query(sql, [id])).map((row) => String(row.id)));
      const turnIds = await ids(`SELECT t.id FROM agents.turns t JOIN agents.sessions s ON s.id = t.session_id WHERE s.campaign_id = $1`);
      const refinements = await query(`SELECT count(DISTINCT r.turn_id)::int AS turns, count(DISTINCT r.raw_event_id)::int AS events FROM judge.refinements r JOIN agents.sessions s ON s.id = r.conversation_id WHERE s.campaign_id = $1`, [id]);
      const refinedTurns = Number(refinements[0]!.turns);
      const refinedRawEvents = Number(refinements[0]!.events);
      const stored = await ids(`SELECT turn_id AS id FROM curator.refined_turns WHERE campaign_id = $1`);
      const versions = await one(`SELECT count(*)::int AS n FROM curator.datasets WHERE campaign_id = $1`);
      const jobs = await one(jobsSql);
      const rawOfCampaign = [...raw].filter(([turnId]) => turnIds.has(turnId));
      const refinedOfCampaign = [...refined].filter(([, entry]) => turnIds.has(entry.turnId));
      const ready = readyEvents.get(id)?.size ?? 0;
      const once = (found: number) => [found, found === 0 ? 1 : 0, Math.max(0, found - 1)] as const;
      return [
        [`${id}: turns (agents)`, turnIds.size, 0, 0],
        ['traces.raw events', rawOfCampaign.length, turnIds.size - rawOfCampaign.length, rawOfCampaign.filter(([, events]) => events.size > 1).length],
        ['refinements (judge)', refinedTurns, turnIds.size - refinedTurns, refinedRawEvents - refinedTurns],
        ['traces.refined events', refinedOfCampaign.length, refinedRawEvents - refinedOfCampaign.length, refinedOfCampaign.filter(([, entry]) => entry.events.size > 1).length],
        ['turns stored (curator)', stored.size, [...turnIds].filter((turn) => !stored.has(turn)).length, 0],
        ['dataset versions', ...once(versions)],
        ['datasets.ready events', ...once(ready)],
        ['training jobs', ...once(jobs)],
      ];
    };

    // 1. SIGKILLs: a random service, a random moment (0.5–3 s apart), restarted on the same ports.
    const campaignA = `${campaignId}_kills`;
    const startedA = await startCampaign(campaignA, conversations, 4);
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
    const chainA = await countChain(campaignA, startedA, performance.now());

    // 2. Poison records on every topic a service consumes: each must land in the topic's .dlq twin, once per consumer group, with its reason.
    const poisonStarted = performance.now();
    const consumers = new Map<string, number>();
    for (const service of ALL_SERVICES) for (const topic of service.consumes) consumers.set(topic, (consumers.get(topic) ?? 0) + 1);
    const expected = new Map<string, number>();
    for (const [topic, groups] of consumers) {
      for (const [kind, value] of poisons(`poison-${tenant}`, topic, POISON_BYTES)) {
        await reader.publish(topic, [{ key: `poison-${kind}`, value }]);
        expected.set(`${topic} ${POISON_REASONS[kind]}`, groups);
      }
    }
    const dlqTally = () => {
      const tally = new Map<string, number>();
      for (const letter of deadLetters) tally.set(`${letter.topic} ${letter.reason}`, (tally.get(`${letter.topic} ${letter.reason}`) ?? 0) + 1);
      return tally;
    };
    await eventually(() => [...expected].every(([key, count]) => (dlqTally().get(key) ?? 0) >= count), 'every poison record in its .dlq, once per consumer group', 120_000, 250).catch((error: unknown) => process.stdout.write(`  ${(error as Error).message}\n`));
    const poisonSeconds = (performance.now() - poisonStarted) / 1000;
    await new Promise((done) => setTimeout(done, 2_000));
    const tally = dlqTally();
    for (const key of new Set([...expected.keys(), ...tally.keys()])) {
      if ((tally.get(key) ?? 0) !== (expected.get(key) ?? 0)) process.stdout.write(`  dead letters of ${key}: ${tally.get(key) ?? 0}, expected ${expected.get(key) ?? 0}\n`);
    }
    const poisonLost = [...expected].reduce((sum, [key, count]) => sum + Math.max(0, count - (tally.get(key) ?? 0)), 0);
    const poisonDuplicated = [...expected].reduce((sum, [key, count]) => sum + Math.max(0, (tally.get(key) ?? 0) - count), 0) + [...tally.keys()].filter((key) => !expected.has(key)).length;

    // 3. The broker, then PostgreSQL, restarted mid-campaign; the services reconnect and the campaign goes on (the consumers past the poison too).
    const campaignB = `${campaignId}_restarts`;
    const startedB = await startCampaign(campaignB, conversations, 2);
    await new Promise((done) => setTimeout(done, 5_000));
    let at = performance.now();
    await kafkaControl('restart');
    const kafkaSeconds = (performance.now() - at) / 1000;
    process.stdout.write(`  the Kafka broker restarted in ${kafkaSeconds.toFixed(1)} s\n`);
    await new Promise((done) => setTimeout(done, 8_000));
    at = performance.now();
    await postgresControl('restart');
    const postgresSeconds = (performance.now() - at) / 1000;
    process.stdout.write(`  PostgreSQL restarted in ${postgresSeconds.toFixed(1)} s\n`);
    const chainB = await countChain(campaignB, startedB, performance.now());

    // 4. A training job's process killed mid-stage, then resumed from its run dir by the restarted trainer.
    const trainer = running.get('trainer')!;
    trainer.process.child.kill('SIGKILL');
    await trainer.process.exited;
    trainer.env = { ...trainer.env, DISTILLERY_TRAINER_SLOTS: '1' };
    trainer.process = await start('trainer', trainer.env);
    const [jobRow] = await query(`SELECT j.id FROM trainer.jobs j JOIN curator.datasets d ON d.dataset_id = j.dataset_id AND d.version = j.dataset_version WHERE d.campaign_id = $1`, [campaignA]);
    const jobId = String(jobRow!.id);
    interface JobView { status: string; attempts: number; stages: Array<{ stage: string; skipped?: boolean }>; progress?: { stage?: string; step?: number; total?: number } | null }
    const jobView = async () => (await (await call('trainer', `/trainer/jobs/${jobId}`)).json()) as JobView;
    // Mid-stage: a stage done, and the next one some steps in (its progress line names a stage not done yet).
    const midStage = (job: JobView) => job.stages.length >= 1 && (job.progress?.step ?? 0) >= 5 && (job.progress?.step ?? 0) < (job.progress?.total ?? 0) && !job.stages.some((stage) => stage.stage === job.progress?.stage);
    await eventually(async () => midStage(await jobView()), `training job ${jobId} some steps into a stage after its first`, 300_000, 100);
    const atKill = await jobView();
    const stagesAtKill = `${atKill.stages.length} stage(s) done, ${atKill.progress?.stage} at step ${atKill.progress?.step}/${atKill.progress?.total}`;
    const trainingKilledAt = performance.now();
    trainer.process.child.kill('SIGKILL');
    await trainer.process.exited;
    trainer.process = await start('trainer', trainer.env);
    process.stdout.write(`  the trainer SIGKILLed with job ${jobId} at ${stagesAtKill}, listening again after ${Math.round(performance.now() - trainingKilledAt)} ms\n`);
    await eventually(async () => ['succeeded', 'failed', 'cancelled'].includes((await jobView()).status), `training job ${jobId} to end after the kill`, 600_000, 500);
    const trainingSeconds = (performance.now() - trainingKilledAt) / 1000;
    const trained = await jobView();
    const skipped = trained.stages.filter((stage) => stage.skipped).map((stage) => stage.stage);
    const checkpoint = ((await query('SELECT checkpoint FROM trainer.jobs WHERE id = $1', [jobId])) as unknown as Array<{ checkpoint: { manifest: ArtifactRef } | null }>)[0]?.checkpoint;
    const store = new FileArtifactStore(join(dataDir, 'artifacts'));
    const files = checkpoint ? Object.values((await store.getManifest(checkpoint.manifest)).files) : [];
    const corrupt: string[] = [];
    for (const file of files) await store.verify(file).catch((error: unknown) => corrupt.push(String(error)));
    const resumedWell = trained.status === 'succeeded' && trained.attempts === 2 && skipped.length >= 1 && files.length > 0 && corrupt.length === 0;
    process.stdout.write(`  job ${jobId}: ${trained.status}, attempt ${trained.attempts}, stages found done in its run dir: ${skipped.join(', ') || 'none'}; ${files.length} checkpoint files, ${corrupt.length} failing their sha256${corrupt.length ? `: ${corrupt.join('; ')}` : ''}\n`);

    const sum = (rows: readonly ChainRow[], column: 2 | 3) => rows.reduce((total, row) => total + row[column], 0);
    const recovery = (service?: ServiceName) => {
      const times = recoveries.filter((entry) => !service || entry.service === service).map((entry) => entry.ms);
      return times.length ? `${Math.round(Math.max(...times))} ms max, ${Math.round(times.reduce((a, b) => a + b, 0) / times.length)} ms mean` : '—';
    };
    const faults: Array<[string, number, string | number, string | number, string]> = [];
    for (const service of SERVICE_NAMES) {
      const count = recoveries.filter((entry) => entry.service === service).length;
      if (count) faults.push([`SIGKILL ${service} (listening again)`, count, '', '', recovery(service)]);
    }
    faults.push([`all SIGKILLs, counted along ${campaignA}`, kills, sum(chainA, 2), sum(chainA, 3), recovery()]);
    faults.push([`poison records (not JSON, wrong schema, wrong version, oversized) on ${consumers.size} topics, dead-lettered per consumer group`, [...expected.values()].reduce((a, b) => a + b, 0), poisonLost, poisonDuplicated, `${poisonSeconds.toFixed(1)} s to dead-letter all`]);
    faults.push([`Kafka broker restart, counted along ${campaignB}`, 1, sum(chainB, 2), sum(chainB, 3), `broker back in ${kafkaSeconds.toFixed(1)} s`]);
    faults.push([`PostgreSQL restart, counted along ${campaignB}`, 1, '(as above)', '(as above)', `database back in ${postgresSeconds.toFixed(1)} s`]);
    faults.push([`training job killed mid-stage (trainer SIGKILLed at ${stagesAtKill}): resumed, ${skipped.length} stage(s) not trained again, ${files.length} checkpoint files verified`, 1, resumedWell ? 0 : 1, 0, `succeeded ${trainingSeconds.toFixed(1)} s after the kill (a 30 s lease to run out)`]);
    const lost = sum(chainA, 2) + sum(chainB, 2) + poisonLost + (resumedWell ? 0 : 1);
    const duplicated = sum(chainA, 3) + sum(chainB, 3) + poisonDuplicated;
    process.stdout.write(
      [
        '',
        '| fault | count | lost | duplicated | recovery time |',
        '|---|---|---|---|---|',
        ...faults.map((row) => `| ${row.join(' | ')} |`),
        '',
        '| along the chain | found | lost | duplicated |',
        '|---|---|---|---|',
        ...[...chainA, ...chainB].map((row) => `| ${row.join(' | ')} |`),
        '',
        `${lost} lost, ${duplicated} duplicated`,
        '',
      ].join('\n'),
    );
    status = lost === 0 && duplicated === 0 && chainA[0]![1] > 0 && chainB[0]![1] > 0 ? 0 : 1;
  } catch (error) {
    // Every service's log, to see where the chain stopped; and which processes are gone.
    const logs = await mkdtemp(join(tmpdir(), 'distillery-fault-logs-'));
    for (const [name, entry] of running) {
      await writeFile(join(logs, `${name}.log`), entry.process.output());
      if (entry.process.child.exitCode !== null || entry.process.child.signalCode !== null) process.stdout.write(`  ${name} is not running (exit ${entry.process.child.exitCode ?? entry.process.child.signalCode})\n`);
    }
    process.stdout.write(`  the services' logs: ${logs}\n`);
    throw error;
  } finally {
    for (const entry of running.values()) entry.process.child.kill('SIGKILL');
    await reader.close();
    await scratch.drop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
  process.exit(status);
}

await main();
