/**
 * Needs the compute plane (compute/.venv, which `npm test` makes; skipped without it), not Kafka or
 * PostgreSQL: the quantizer runs embedded (in-process bus, PGlite) and runs the real `python -m
 * distillery_compute quantize` on an 8-layer micro student and an EAGLE-3 drafter the compute
 * plane's `drafter` job trains for it (tiny settings). A checkpoints.bf16 event whose dataset is not
 * announced yet waits; once its datasets.ready comes, a checkpoints.fp8 event comes out whose FP8
 * student files hash, in the artifact store, to what its manifests say; the drafters.ready for that
 * student makes a second job that reuses the first one's calibration and announces the FP8 drafter,
 * which drafts without changing the FP8 student's output; a redelivered event makes no second job; a
 * waiting job is cancelled over HTTP; a checkpoint naming no dataset is refused. About a minute on 2 cores.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkArtifacts } from '@distillery/artifacts';
import { subscribeEvents, type Subscription } from '@distillery/bus';
import { computePython, runDrafterJob, writeMicroCheckpoint } from '@distillery/compute';
import {
  type CheckpointBf16,
  checkpointBf16Contract,
  type CheckpointFp8,
  checkpointFp8Contract,
  checkpointFp8Schema,
  datasetReadyContract,
  type DrafterReady,
  drafterReadyContract,
  encodeEvent,
  type EventEnvelope,
  type MessageContract,
  type WireMessage,
} from '@distillery/contracts';
import { type RunningApp, startApp } from '@distillery/service-kit';
import { apiFetch, eventually } from '@distillery/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { QuantizerJobView } from '../src/api/quantizer-job.view.js';
import { quantizerService } from '../src/quantizer.service-definition.js';
import { calibrationRows, publishCalibrationDataset, storeCheckpoint, storeDrafter } from '../src/testing/fixture-calibration.js';

const MODEL = 'student-quantizer-test';
const DATASET = 'ds_quantizer_test';
const WORDS = 'the customer wants a red sedan with low mileage and asks about financing options for next week'.split(' ');
const line = (i: number) => Array.from({ length: 4 + (i % 7) }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');

describe.skipIf(!computePython())('the quantizer, embedded, running the compute plane', () => {
  let app: RunningApp;
  let dir: string;
  let watcher: Subscription;
  let datasetWire: WireMessage;
  let checkpoint: CheckpointBf16;
  let checkpointWire: WireMessage;
  let drafterDir: string;
  const announced: Array<EventEnvelope<CheckpointFp8>> = [];

  const api = async (path: string, method = 'GET') => {
    const response = await apiFetch(`${app.url}${path}`, { method });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as unknown };
  };
  const jobs = async () => (await api(`/quantizer/jobs?modelId=${MODEL}`)).body as QuantizerJobView[];
  const jobOf = async (checkpointId: string, drafterId: string | null = null) => (await jobs()).find((job) => job.checkpointId === checkpointId && job.drafterId === drafterId);
  const wire = <S extends z.ZodType>(contract: MessageContract<S>, data: z.input<S>, source: string) => encodeEvent(contract, data, { source });
  const publish = (topic: string, records: WireMessage[]) => app.platform.bus.publish(topic, records);
  const eventIdOf = (record: WireMessage) => record.headers['distillery-event-id']!;
  const fp8Of = async (checkpointId: string, drafterId?: string) => {
    const found = () => announced.find((event) => event.data.checkpointId === checkpointId && event.data.drafterId === drafterId);
    await eventually(() => found() !== undefined, `checkpoints.fp8 for ${checkpointId}${drafterId ? ` with ${drafterId}` : ''}`, 240_000, 200).catch(async (error: Error) => {
      throw new Error(`${error.message}; jobs: ${JSON.stringify(await jobs(), null, 1).slice(0, 4000)}`);
    });
    return found()!;
  };
  const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-quantizer-int-'));
    const student = join(dir, 'student');
    await writeMicroCheckpoint({ out: student });
    // The drafter, trained by the compute plane's job on the student's own answers (what the drafter service runs).
    const eagle = Array.from({ length: 12 }, (_, i) => ({ id: `e${i}`, set: i % 2 ? 'in-domain' : 'external', prompt: `<|user|>\n${line(i)}` }));
    await writeFile(join(dir, 'eagle.jsonl'), eagle.map((row) => `${JSON.stringify(row)}\n`).join(''));
    await writeFile(join(dir, 'eval.jsonl'), calibrationRows().eval.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const drafted = await runDrafterJob({ checkpoint: student, eagleRows: join(dir, 'eagle.jsonl'), evalRows: join(dir, 'eval.jsonl'), runDir: join(dir, 'eagle'), steps: 6, draftVocab: 64, maxNewTokens: 24, evalLimit: 2, evalMaxTokens: 8 });
    drafterDir = join(dir, 'eagle', 'drafters', drafted.best, 'drafter');

    const env = {
      DISTILLERY_DATA_DIR: join(dir, 'data'),
      DISTILLERY_LOG_LEVEL: 'silent',
      DISTILLERY_QUANTIZER_LENGTH: '32',
      DISTILLERY_QUANTIZER_SAMPLES: '2',
      DISTILLERY_QUANTIZER_TEST_LIMIT: '2',
      DISTILLERY_QUANTIZER_TEST_MAX_TOKENS: '64',
      DISTILLERY_QUANTIZER_EVAL_LIMIT: '2',
      DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS: '8',
    };
    app = await startApp([quantizerService], { name: 'quantizer-int-test', defaultPort: 0, env });
    watcher = await subscribeEvents(app.platform.bus, checkpointFp8Contract, {
      groupId: 'quantizer-int-test',
      handler: async (event) => {
        if (event.data.modelId === MODEL) announced.push(event);
      },
    });
    datasetWire = wire(datasetReadyContract, await publishCalibrationDataset(app.platform.artifacts, { datasetId: DATASET }), 'curator');
    checkpoint = await storeCheckpoint(app.platform.artifacts, student, { modelId: MODEL, checkpointId: 'ckpt_1', datasetId: DATASET, datasetEventId: eventIdOf(datasetWire) });
    checkpointWire = wire(checkpointBf16Contract, checkpoint, 'trainer');
  }, 240_000);

  afterAll(async () => {
    await watcher?.stop();
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('quantizes a student once its dataset is announced, and announces the FP8 student on checkpoints.fp8', async () => {
    await publish(checkpointBf16Contract.topic, [checkpointWire]);
    await eventually(async () => (await jobOf('ckpt_1')) !== undefined, 'the job of ckpt_1', 30_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await jobOf('ckpt_1')).toMatchObject({ status: 'queued', checkpointEventId: eventIdOf(checkpointWire), dataset: { datasetId: DATASET, eventId: null } });

    await publish(datasetReadyContract.topic, [datasetWire]);
    const { id: eventId, data } = await fp8Of('ckpt_1');
    const fp8 = checkpointFp8Schema.parse(data);
    expect(fp8).toMatchObject({ modelId: MODEL, checkpointId: 'ckpt_1', format: 'fp8-e4m3-w8a8-static-per-tensor', calibration: { set: 'mixed', samples: 2 } });
    expect(fp8.drafterId).toBeUndefined();
    expect(fp8.clipRates.total).toBeGreaterThanOrEqual(0);
    expect(Object.keys(fp8.clipRates).some((group) => group.startsWith('model.layers.0.'))).toBe(true);
    expect(fp8.lineage).toEqual({ datasetId: DATASET, checkpointId: 'ckpt_1', parentEventIds: [eventIdOf(checkpointWire), eventIdOf(datasetWire)] });

    // The FP8 student as serving lays it out: every file re-hashed, an FP8 config, weights the compute plane's manifest lists.
    const store = app.platform.artifacts;
    const student = await store.getManifest(fp8.student);
    expect(student).toMatchObject({ kind: 'fp8-student', parents: [{ kind: 'checkpoint', id: 'ckpt_1', sha256: checkpoint.manifest.sha256 }] });
    const laidOut = await linkArtifacts(store, student.files, join(dir, 'serving', 'ckpt_1'));
    const own = JSON.parse(await readFile(join(laidOut, 'manifest.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
    expect(own.files['model.safetensors']!.sha256).toBe(await sha256(join(laidOut, 'model.safetensors')));
    expect(JSON.parse(await readFile(join(laidOut, 'config.json'), 'utf8'))).toMatchObject({ quantization_config: { format: expect.stringMatching(/float/) as unknown } });
    expect(existsSync(join(laidOut, 'tokenizer.json'))).toBe(true);
    const manifest = await store.getManifest(fp8.manifest);
    expect(manifest).toMatchObject({ kind: 'fp8', createdBy: 'quantizer', attributes: { checkpointId: 'ckpt_1', calibration: { set: 'mixed', length: 32, samples: 2 }, dataset: { datasetId: DATASET, version: 1 } } });
    expect(manifest.parents.map((parent) => parent.kind)).toEqual(['checkpoint', 'dataset']);
    // the held-out rows decoded in BF16 and in FP8, scored with the agent-level metrics (the fixture's rows are the Explainer's)
    const agentMetrics = (manifest.attributes as { agentMetrics?: Record<string, Array<{ agent: string; metric: string; n: number }>> }).agentMetrics;
    for (const precision of ['bf16', 'fp8']) {
      expect(agentMetrics?.[precision]?.find((line) => line.agent === 'explainer' && line.metric === 'faithful')?.n).toBeGreaterThan(0);
      expect(manifest.metrics?.[`${precision}.agent.explainer.faithful`]).toEqual(expect.any(Number));
    }

    const job = (await jobOf('ckpt_1'))!;
    expect(job).toMatchObject({ status: 'succeeded', fp8Id: manifest.id, eventId, attempts: 1, error: null, dataset: { datasetId: DATASET, version: 1 }, results: { calibration: 'computed' } });
    expect(Object.keys(job.results.clipRates).sort()).toEqual(['in-domain', 'mixed', 'public']);
    expect(job.results.clipRates.mixed).toHaveProperty('32');
    expect(job.metrics).toMatchObject({ clipRate: fp8.clipRates.total, greedyAgreement: expect.any(Number) as unknown, fp8HeldOutLoss: expect.any(Number) as unknown, savedBytes: expect.any(Number) as unknown });
    expect(job.fp8).toEqual({ manifest: { sha256: fp8.manifest.sha256, size: fp8.manifest.size, kind: fp8.manifest.kind }, student: { sha256: fp8.student.sha256, size: fp8.student.size, kind: fp8.student.kind }, drafter: null });
    const answered = await api(`/quantizer/jobs/${job.id}`);
    expect(answered.status).toBe(200);
    expect(answered.text).not.toContain(dir); // no file path of this machine in what the API answers
    await eventually(() => !existsSync(join(dir, 'data', 'quantizer', job.id)), 'the run dir removed', 10_000);
    const metrics = await (await apiFetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^distillery_quantizer_last_clip_rate ${fp8.clipRates.total}$`, 'm'));
    expect(metrics).toMatch(/^distillery_quantizer_jobs\{status="succeeded"\} 1$/m);
  });

  it('quantizes the student with its drafter on the calibration of the student’s job, and the FP8 drafter leaves the output unchanged', async () => {
    const drafter: DrafterReady = await storeDrafter(app.platform.artifacts, drafterDir, { modelId: MODEL, checkpointId: 'ckpt_1', drafterId: 'eagle_1', datasetId: DATASET, parentEventIds: [eventIdOf(checkpointWire), eventIdOf(datasetWire)] });
    const drafterWire = wire(drafterReadyContract, drafter, 'drafter');
    await publish(drafterReadyContract.topic, [drafterWire]);
    const { data } = await fp8Of('ckpt_1', 'eagle_1');
    const fp8 = checkpointFp8Schema.parse(data);
    expect(fp8.lineage).toEqual({ datasetId: DATASET, checkpointId: 'ckpt_1', drafterId: 'eagle_1', parentEventIds: [eventIdOf(checkpointWire), eventIdOf(drafterWire), eventIdOf(datasetWire)] });
    const store = app.platform.artifacts;
    const drafterManifest = await store.getManifest(fp8.drafter!);
    expect(drafterManifest).toMatchObject({ kind: 'fp8-drafter', parents: [{ kind: 'drafter', id: 'eagle_1', sha256: drafter.manifest.sha256 }] });
    expect(Object.keys(drafterManifest.files).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors']);
    const laidOut = await linkArtifacts(store, drafterManifest.files, join(dir, 'serving', 'eagle_1'));
    expect(JSON.parse(await readFile(join(laidOut, 'config.json'), 'utf8'))).toMatchObject({ architectures: ['LlamaForCausalLMEagle3'], quantization_config: {} });
    const own = JSON.parse(await readFile(join(laidOut, 'manifest.json'), 'utf8')) as { kind: string; files: Record<string, { sha256: string }> };
    expect(own.kind).toBe('eagle3-drafter');
    for (const [name, file] of Object.entries(own.files)) expect(drafterManifest.files[name]?.sha256).toBe(file.sha256);

    const job = (await jobOf('ckpt_1', 'eagle_1'))!;
    expect(job).toMatchObject({ status: 'succeeded', results: { calibration: 'reused' }, error: null });
    expect(Object.keys(job.results.acceptance).sort()).toEqual(['bf16_drafter', 'fp8_drafter']);
    expect(job.metrics!.fp8DrafterAcceptanceLength).toBeGreaterThanOrEqual(1);
    expect(job.metrics!.fp8DrafterSameOutput).toBe(job.metrics!.agreementPrompts); // lossless: the FP8 drafter leaves the FP8 student's greedy output as it is
    // The same calibration and sweep: the clip rates the two jobs announce are the same numbers.
    expect(fp8.clipRates).toEqual(announced.find((event) => event.data.drafterId === undefined)!.data.clipRates);
  });

  it('makes no second job for a redelivered event, cancels a waiting job over HTTP, and refuses a checkpoint that names no dataset', async () => {
    const again = wire(checkpointBf16Contract, checkpoint, 'trainer');
    const orphan = wire(checkpointBf16Contract, { ...checkpoint, checkpointId: 'ckpt_orphan', lineage: { checkpointId: 'ckpt_orphan', parentEventIds: [] } }, 'trainer');
    await publish(checkpointBf16Contract.topic, [checkpointWire, again, orphan]);
    const waiting = await storeDrafter(app.platform.artifacts, drafterDir, { modelId: MODEL, checkpointId: 'ckpt_unannounced', drafterId: 'eagle_2', datasetId: DATASET, parentEventIds: [] });
    await publish(drafterReadyContract.topic, [wire(drafterReadyContract, waiting, 'drafter')]);
    await eventually(async () => (await jobOf('ckpt_orphan')) !== undefined && (await jobOf('ckpt_unannounced', 'eagle_2')) !== undefined, 'the jobs of ckpt_orphan and eagle_2', 30_000, 100);
    expect((await jobs()).filter((job) => job.checkpointId === 'ckpt_1' && job.drafterId === null)).toHaveLength(1);
    expect(await jobOf('ckpt_orphan')).toMatchObject({ status: 'failed', error: 'checkpoint "ckpt_orphan" names no datasets.ready event in its lineage (parentEventIds): no calibration texts to quantize with' });
    const waitingJob = (await jobOf('ckpt_unannounced', 'eagle_2'))!;
    expect(waitingJob).toMatchObject({ status: 'queued', checkpointEventId: null });
    const cancel = await api(`/quantizer/jobs/${waitingJob.id}/cancel`, 'POST');
    expect([cancel.status, (cancel.body as QuantizerJobView).status]).toEqual([202, 'cancelled']);
    expect((await api(`/quantizer/jobs/${waitingJob.id}/cancel`, 'POST')).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(announced).toHaveLength(2);
  });
});
