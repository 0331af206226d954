/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both)
 * and the compute plane's venv (compute/bootstrap.sh). The drafter in distributed mode on a scratch database, running the
 * real `python -m distillery_compute drafter` on an 8-layer micro student with tiny settings: a checkpoints.bf16 event
 * whose dataset is not announced yet waits; once its datasets.ready comes, a drafters.ready event comes out whose drafter
 * files hash, in the artifact store, to what its manifest says; the same checkpoint delivered again makes no second job;
 * a job interrupted by a restart resumes in its run dir (its data not built again). About a minute and a half on 2 cores.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus, subscribeEvents, type Subscription } from '@distillery/bus';
import { computePython, writeMicroCheckpoint } from '@distillery/compute';
import { allTopics, type CheckpointBf16, checkpointBf16Contract, datasetReadyContract, type DrafterReady, drafterReadyContract, drafterReadySchema, encodeEvent, type EventEnvelope, type WireMessage } from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { openDatabase } from '@distillery/storage';
import { apiFetch, createScratchDatabase, eventually, integrationServers, skipGroupsToTopicEnds } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrafterJobView } from '../src/api/drafter-job.view.js';
import { DRAFTER_GROUP } from '../src/consumers/checkpoint.consumer.js';
import { DRAFTER_DATASETS_GROUP } from '../src/consumers/dataset-ready.consumer.js';
import { drafterService } from '../src/drafter.service-definition.js';
import { publishEagleDataset, storeCheckpoint } from '../src/testing/fixture-student.js';

const servers = integrationServers();
const python = computePython({});

describe.skipIf(!servers || !python)('the drafter on Kafka and PostgreSQL', () => {
  const run = randomUUID().slice(0, 8);
  // Unique per run: the broker's topics outlive the scratch database.
  const modelId = `student-drafter-int-${run}`;
  const datasetId = `ds_drafter_int_${run}`;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dir: string;
  let app: RunningApp;
  let env: Record<string, string>;
  let bus: KafkaBus;
  let watcher: Subscription;
  let datasetWire: WireMessage;
  let checkpoint: CheckpointBf16;
  let checkpointWire: WireMessage;
  const drafters: Array<EventEnvelope<DrafterReady>> = [];

  const api = async (path: string, method = 'GET') => {
    const response = await apiFetch(`${app.url}${path}`, { method });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as unknown };
  };
  const jobs = async () => (await api(`/drafter/jobs?modelId=${modelId}`)).body as DrafterJobView[];
  const jobOf = async (checkpointId: string) => (await jobs()).find((job) => job.checkpointId === checkpointId);
  const count = async (sql: string, params: unknown[]) => Number(((await app.platform.database.dataSource.query(sql, params)) as Array<{ n: number }>)[0]!.n);
  const announce = async (checkpointId: string, datasetEventId: string) => {
    const announced = await storeCheckpoint(app.platform.artifacts, join(dir, 'student'), { modelId, checkpointId, datasetId, datasetEventId });
    return { checkpoint: announced, wire: encodeEvent(checkpointBf16Contract, announced, { source: 'trainer' }) };
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase(servers!.databaseUrl);
    dir = await mkdtemp(join(tmpdir(), 'distillery-drafter-int-'));
    env = {
      DISTILLERY_MODE: 'distributed',
      DISTILLERY_KAFKA_BROKERS: servers!.kafkaBrokers.join(','),
      DISTILLERY_DATABASE_URL: scratch.url,
      DISTILLERY_DATA_DIR: join(dir, 'data'),
      DISTILLERY_ARTIFACT_ROOT: `file://${join(dir, 'artifacts')}`,
      DISTILLERY_LOG_LEVEL: 'silent',
      DISTILLERY_DRAFTER_STEPS: '6',
      DISTILLERY_DRAFTER_DRAFT_VOCAB: '64',
      DISTILLERY_DRAFTER_MAX_NEW_TOKENS: '24',
      DISTILLERY_DRAFTER_EVAL_LIMIT: '3',
      DISTILLERY_DRAFTER_EVAL_MAX_TOKENS: '24',
    };
    bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'drafter-int-test' });
    // Past the checkpoints and datasets other tests announced on the shared broker: their jobs would take the slot.
    await bus.ensureTopics(allTopics());
    await skipGroupsToTopicEnds(servers!.kafkaBrokers, [[DRAFTER_GROUP, checkpointBf16Contract.topic], [DRAFTER_DATASETS_GROUP, datasetReadyContract.topic]]);
    app = await startApp([drafterService], { name: 'drafter', defaultPort: 0, env });
    watcher = await subscribeEvents(bus, drafterReadyContract, {
      groupId: `drafter-int-${randomUUID()}`,
      handler: async (event) => {
        if (event.data.modelId === modelId) drafters.push(event);
      },
    });
    await writeMicroCheckpoint({ out: join(dir, 'student') });
    datasetWire = encodeEvent(datasetReadyContract, await publishEagleDataset(app.platform.artifacts, { datasetId }), { source: 'curator' });
    ({ checkpoint, wire: checkpointWire } = await announce('ckpt_1', datasetWire.headers['distillery-event-id']!));
  }, 180_000);

  afterAll(async () => {
    await watcher?.stop();
    await bus?.close();
    await app?.close();
    await scratch?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('drafts for a checkpoint once its dataset is announced, and announces the drafter on drafters.ready', async () => {
    await bus.publish(checkpointBf16Contract.topic, [checkpointWire]);
    await eventually(async () => (await jobOf('ckpt_1')) !== undefined, 'the job of ckpt_1', 60_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await jobOf('ckpt_1')).toMatchObject({ status: 'queued', dataset: { datasetId, eventId: null, waitingFor: [datasetWire.headers['distillery-event-id']] } });

    await bus.publish(datasetReadyContract.topic, [datasetWire]);
    await eventually(() => drafters.length > 0, 'drafters.ready for the checkpoint', 240_000, 200).catch(async (error: Error) => {
      throw new Error(`${error.message}; jobs: ${JSON.stringify(await jobs(), null, 1).slice(0, 4000)}`);
    });
    const { id: eventId, data } = drafters[0]!;
    const drafter = drafterReadySchema.parse(data);
    expect(drafter).toMatchObject({ modelId, checkpointId: 'ckpt_1', drafterId: expect.stringMatching(/^eagle_[0-9a-f]{16}$/) as unknown });
    expect(drafter.lineage).toEqual({ datasetId, checkpointId: 'ckpt_1', drafterId: drafter.drafterId, parentEventIds: [checkpointWire.headers['distillery-event-id'], datasetWire.headers['distillery-event-id']] });
    expect(drafter.metrics.acceptanceLength).toBeGreaterThanOrEqual(1);
    expect(drafter.metrics.chainAcceptanceLength).toBeGreaterThanOrEqual(1);
    expect(drafter.metrics.sameOutput).toBe(3); // lossless: every held-out prompt decodes as without the drafter

    const store = app.platform.artifacts;
    const weights = await readFile(store.pathOf(drafter.weights));
    expect(createHash('sha256').update(weights).digest('hex')).toBe(drafter.weights.sha256);
    const manifest = await store.getManifest(drafter.manifest);
    expect(manifest).toMatchObject({ id: drafter.drafterId, kind: 'drafter', createdBy: 'drafter', attributes: { variant: 'combined', checkpointId: 'ckpt_1', dataset: { datasetId, version: 1 } } });
    expect(Object.keys(manifest.files).sort()).toEqual(['config.json', 'drafter-job.json', 'manifest.json', 'model.safetensors']);
    expect(manifest.files['model.safetensors']).toEqual(drafter.weights);
    expect(manifest.parents[0]).toEqual({ kind: 'checkpoint', id: 'ckpt_1', sha256: checkpoint.manifest.sha256 });
    const own = JSON.parse((await store.get(manifest.files['manifest.json']!)).toString('utf8')) as { kind: string; files: Record<string, { sha256: string }>; target: { weights_sha256: string } };
    expect(own.kind).toBe('eagle3-drafter');
    expect(own.target.weights_sha256).toBe(checkpoint.weights.sha256);
    for (const [name, file] of Object.entries(own.files)) expect(manifest.files[name]?.sha256).toBe(file.sha256);
    expect(JSON.parse((await store.get(manifest.files['config.json']!)).toString('utf8'))).toMatchObject({ architectures: ['LlamaForCausalLMEagle3'], draft_vocab_size: 64 });

    const job = (await jobOf('ckpt_1'))!;
    expect(job).toMatchObject({ status: 'succeeded', drafterId: drafter.drafterId, best: 'combined', eventId, attempts: 1, error: null, metrics: drafter.metrics, dataset: { datasetId, version: 1, waitingFor: [] } });
    expect(Object.keys(job.results.data).sort()).toEqual(['external', 'in-domain']);
    expect(job.results.variants.combined).toMatchObject({ final: { loss: expect.any(Number) as unknown }, chain: { same_output: 3 }, tree: { same_output: 3 } });
    const answered = await api(`/drafter/jobs/${job.id}`);
    expect(answered.status).toBe(200);
    expect(answered.text).not.toContain(dir); // no file path of this machine in what the API answers
    await eventually(() => !existsSync(join(dir, 'data', 'drafter', job.id)), 'the run dir removed', 10_000);
    expect(await count('SELECT count(*)::int AS n FROM drafter.outbox WHERE event_id = $1 AND published_at IS NOT NULL', [eventId])).toBe(1);
    const metrics = await (await apiFetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^distillery_drafter_last_acceptance_length\\{method="tree"\\} ${drafter.metrics.acceptanceLength}$`, 'm'));
    expect(metrics).toMatch(/^distillery_drafter_jobs\{status="succeeded"\} 1$/m);
  });

  it('makes no second job when the checkpoint is delivered again, and cancels a waiting job over HTTP', async () => {
    // The same event, the same checkpoint in a new event, then a checkpoint of an unannounced dataset on the same key (after them): once its job exists, both were handled.
    const again = encodeEvent(checkpointBf16Contract, checkpoint, { source: 'trainer' });
    const { wire: waiting } = await announce('ckpt_waiting', randomUUID());
    await bus.publish(checkpointBf16Contract.topic, [checkpointWire, again, waiting]);
    await eventually(async () => (await jobOf('ckpt_waiting')) !== undefined, 'the job of ckpt_waiting', 60_000, 100);
    expect((await jobs()).filter((job) => job.checkpointId === 'ckpt_1')).toHaveLength(1);
    expect(await count(`SELECT count(*)::int AS n FROM drafter.inbox WHERE consumer_group = 'drafter' AND event_id = $1`, [checkpointWire.headers['distillery-event-id']])).toBe(1);
    const waitingJob = (await jobOf('ckpt_waiting'))!;
    expect(waitingJob.status).toBe('queued');
    const cancel = await api(`/drafter/jobs/${waitingJob.id}/cancel`, 'POST');
    expect([cancel.status, (cancel.body as DrafterJobView).status]).toEqual([202, 'cancelled']);
    expect((await api(`/drafter/jobs/${waitingJob.id}/cancel`, 'POST')).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(drafters).toHaveLength(1);
  });

  it('resumes a job a restart interrupted, in its run dir', async () => {
    // Enough steps that the drain comes while it trains, after both sets' data are built.
    await app.close();
    env = { ...env, DISTILLERY_DRAFTER_STEPS: '100' };
    app = await startApp([drafterService], { name: 'drafter', defaultPort: 0, env });
    const { wire } = await announce('ckpt_resumed', datasetWire.headers['distillery-event-id']!);
    await bus.publish(checkpointBf16Contract.topic, [wire]);
    await eventually(async () => (await jobOf('ckpt_resumed'))?.stage === 'train:combined', 'ckpt_resumed training', 180_000, 100);
    const interrupted = (await jobOf('ckpt_resumed'))!;
    await app.close();
    const db = await openDatabase({ target: { kind: 'postgres', url: scratch.url, poolSize: 1 }, schemas: [] });
    try {
      expect(await db.dataSource.query('SELECT status, runner, attempts FROM drafter.jobs WHERE id = $1', [interrupted.id])).toEqual([{ status: 'queued', runner: null, attempts: 1 }]);
    } finally {
      await db.close();
    }
    const dataDirs = ['external', 'in-domain'].map((set) => join(dir, 'data', 'drafter', interrupted.id, 'eagle', 'data', set, 'data.json'));
    const built = await Promise.all(dataDirs.map(async (path) => (await stat(path)).mtimeMs));

    app = await startApp([drafterService], { name: 'drafter', defaultPort: 0, env });
    // The second attempt past its data (training or evaluating: the stage may pass train:combined between two progress writes, once a second, when the first attempt got far).
    await eventually(async () => {
      const job = await jobOf('ckpt_resumed');
      return job?.attempts === 2 && /^(train|evaluate):/.test(job.stage ?? '');
    }, 'ckpt_resumed training or evaluating again', 180_000, 100).catch(async (error: Error) => {
      throw new Error(`${error.message}; the job: ${JSON.stringify(await jobOf('ckpt_resumed'), null, 1).slice(0, 4000)}`);
    });
    expect(await Promise.all(dataDirs.map(async (path) => (await stat(path)).mtimeMs))).toEqual(built); // the data of the first attempt, not built again
    await eventually(() => drafters.some((event) => event.data.checkpointId === 'ckpt_resumed'), 'the resumed job’s drafter', 300_000, 200);
    const done = (await jobOf('ckpt_resumed'))!;
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    expect(Object.keys(done.results.data).sort()).toEqual(['external', 'in-domain']);
  });
});
