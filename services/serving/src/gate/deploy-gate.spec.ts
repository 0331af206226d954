import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import type { EvalRow } from '@distillery/evaluation';
import { type Database, openDatabase, Outbox, serviceSchemaMigration } from '@distillery/storage';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InferenceChunk, InferenceRequest } from '../inference/inference.types.js';
import { ServingDrafters1764200000008 } from '../models/serving-drafters.migration.js';
import { ServingFp81764300000008 } from '../models/serving-fp8.migration.js';
import { ServingModels1764100000008 } from '../models/serving-models.migration.js';
import { storeGatedCheckpoint } from '../testing/gated-checkpoint.js';
import { DeployGate } from './deploy-gate.js';
import { GateE2eError } from './gate.errors.js';
import type { E2eProbe } from './gate-e2e.js';
import type { GateEngine } from './gate-outputs.js';
import { GateStore } from './gate-store.js';
import { ServingGates1764400000008 } from './serving-gates.migration.js';

const understanding = (intents: string[], entities: Record<string, unknown>) => JSON.stringify({ intents, entities, state: {}, outOfScope: false });
const understander = (id: string, utterance: string, output: string): EvalRow => ({ id, agent: 'understander', prompt: `<|system|>\nYou are the Understander.\n<|user|>\n${utterance}`, output, conversationId: `conv_${id}`, turnId: `turn_${id}` });

/** Held-out rows whose right answers are known. */
const ROWS: EvalRow[] = [
  understander('a', 'any hybrid SUVs under 35k?', understanding(['search_inventory'], { body: 'suv', fuel: 'hybrid', maxPrice: 35000 })),
  understander('b', 'hi there', understanding(['greeting'], {})),
  understander('c', 'can I test drive a Corolla on Saturday?', understanding(['schedule_test_drive'], { model: 'Corolla', slot: 'saturday' })),
  understander('d', 'what are your opening hours?', understanding(['dealership_info'], {})),
];

/** An engine that answers each row's prompt with `answer(row)`, and counts what it decoded. */
function engine(version: string, answer: (row: EvalRow) => string): GateEngine & { decoded: number } {
  return {
    version,
    decoded: 0,
    async *generate(request: InferenceRequest): AsyncGenerator<InferenceChunk> {
      this.decoded++;
      const prompt = 'transcript' in request.prompt ? request.prompt.transcript : '';
      const row = ROWS.find((candidate) => candidate.prompt === prompt)!;
      const text = answer(row);
      yield { model: version, text: text.slice(0, 10), promptTokens: 10, completionTokens: 1, cachedTokens: 0 };
      yield { model: version, text: text.slice(10), finishReason: 'stop', promptTokens: 10, completionTokens: 2, cachedTokens: 0 };
    },
  };
}

describe('the deploy gate (PGlite, a stored dataset and checkpoint, engines stood in for, the real agent metrics)', () => {
  let db: Database;
  let dir: string;
  let store: FileArtifactStore;
  let gates: GateStore;
  let wakes = 0;
  const gate = (e2e?: E2eProbe) => new DeployGate({ artifacts: store, store: gates, logger: pino({ level: 'silent' }), rows: 8, tolerance: 0.05, maxTokens: 64, ...(e2e ? { e2e } : {}) });
  /** A stress test whose pass count per version is given; it records the versions it was asked to play, in order. */
  const stress = (passed: Record<string, number>, scenarios = 10): E2eProbe & { played: string[] } => ({
    played: [],
    async passRate(version) {
      this.played.push(version);
      if (!(version in passed)) throw new GateE2eError(`the simulator's stress run for ${version} failed: agents unreachable`);
      return { passed: passed[version]!, scenarios, runId: `stress_${version}` };
    },
  });
  const signal = new AbortController().signal;
  const teacher = (row: EvalRow) => row.output;
  const confused = (row: EvalRow) => (row.id === 'a' || row.id === 'c' ? understanding(['greeting'], {}) : row.output);

  beforeAll(async () => {
    db = await openDatabase({
      target: { kind: 'pglite', dataDir: 'memory://' },
      schemas: ['serving'],
      migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008, ServingFp81764300000008, ServingGates1764400000008],
    });
    gates = new GateStore(db.dataSource, new Outbox('serving'), () => void wakes++);
  }, 60_000);
  afterAll(async () => db?.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-gate-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
    for (const table of ['gates', 'versions', 'outbox']) await db.dataSource.query(`DELETE FROM serving.${table}`);
    return () => rm(dir, { recursive: true, force: true });
  });

  it('refuses a candidate worse than the incumbent, names the metric, marks the version refused and puts deployments.gated in the outbox', async () => {
    const checkpoint = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId: 'ckpt_2' }, ROWS);
    await db.dataSource.query(`INSERT INTO serving.versions (model_id, checkpoint_id, event_id, checkpoint) VALUES ('student', 'ckpt_2', 'evt_2', $1)`, [JSON.stringify(checkpoint)]);
    const incumbent = engine('student@ckpt_1', teacher);
    const candidate = engine('student@ckpt_2', confused);
    const gated = await gate().decide({ checkpoint, engine: candidate }, incumbent, signal);
    expect(gated).toMatchObject({ modelId: 'student', checkpointId: 'ckpt_2', decision: 'refused', incumbent: 'student@ckpt_1', evalRows: 4, dataset: { datasetId: 'ds_gate', version: 1 }, lineage: { campaignId: 'camp_gate', datasetId: 'ds_gate', checkpointId: 'ckpt_2' } });
    expect(gated.reason).toMatch(/^worse than student@ckpt_1 beyond the tolerance 0\.05: understander intent_accuracy 0\.500 against 1\.000/);
    expect(gated.rows.find((row) => row.agent === 'understander' && row.metric === 'intent_accuracy')).toMatchObject({ incumbent: { mean: 1, n: 4 }, candidate: { mean: 0.5, n: 4 }, ok: false });
    expect([incumbent.decoded, candidate.decoded]).toEqual([4, 4]);
    const [version] = (await db.dataSource.query(`SELECT refused FROM serving.versions WHERE checkpoint_id = 'ckpt_2'`)) as Array<{ refused: string }>;
    expect(version!.refused).toBe(`deploy gate: ${gated.reason}`);
    const outbox = (await db.dataSource.query('SELECT topic FROM serving.outbox')) as Array<{ topic: string }>;
    expect(outbox.map((row) => row.topic)).toEqual(['deployments.gated']);
    expect(wakes).toBeGreaterThan(0);
    expect(await gates.list('student')).toEqual([gated]);
  });

  it('accepts a candidate as good as the incumbent, and never measures a decided version again', async () => {
    const checkpoint = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId: 'ckpt_3' }, ROWS);
    const candidate = engine('student@ckpt_3', teacher);
    const first = await gate().decide({ checkpoint, engine: candidate }, engine('student@ckpt_1', confused), signal);
    expect(first).toMatchObject({ decision: 'accepted', incumbent: 'student@ckpt_1' });
    expect(first.rows.every((row) => row.ok)).toBe(true);
    const again = engine('student@ckpt_3', confused);
    expect(await gate().decide({ checkpoint, engine: again }, engine('student@ckpt_1', teacher), signal)).toEqual(first);
    expect(again.decoded).toBe(0);
  });

  it('serves a model’s first version on its own figures; refuses a version it cannot measure when one serves', async () => {
    const first = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId: 'ckpt_4' }, ROWS);
    expect(await gate().decide({ checkpoint: first, engine: engine('student@ckpt_4', confused) }, undefined, signal)).toMatchObject({ decision: 'accepted', incumbent: null, reason: expect.stringMatching(/^no incumbent/) });
    const weights = await store.put('weights', { kind: 'safetensors' });
    const manifest = await store.putManifest({ id: 'ckpt_5', kind: 'checkpoint', createdAt: new Date().toISOString(), createdBy: 'trainer', files: { 'model.safetensors': weights } });
    const unmeasurable = { ...first, checkpointId: 'ckpt_5', manifest, weights };
    const gated = await gate().decide({ checkpoint: unmeasurable, engine: engine('student@ckpt_5', teacher) }, engine('student@ckpt_4', teacher), signal);
    expect(gated).toMatchObject({ decision: 'refused', dataset: null, evalRows: 0, reason: expect.stringMatching(/^cannot be measured: checkpoint ckpt_5: its manifest names no dataset/) });
  });

  it('plays the E2E stress test on the candidate, then the incumbent, and refuses a candidate whose pass rate is worse beyond the tolerance', async () => {
    const checkpoint = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId: 'ckpt_6' }, ROWS);
    await db.dataSource.query(`INSERT INTO serving.versions (model_id, checkpoint_id, event_id, checkpoint) VALUES ('student', 'ckpt_6', 'evt_6', $1)`, [JSON.stringify(checkpoint)]);
    const probe = stress({ 'student@ckpt_6': 7, 'student@ckpt_1': 9 });
    const gated = await gate(probe).decide({ checkpoint, engine: engine('student@ckpt_6', teacher) }, engine('student@ckpt_1', teacher), signal);
    expect(probe.played).toEqual(['student@ckpt_6', 'student@ckpt_1']);
    expect(gated.decision).toBe('refused');
    expect(gated.reason).toMatch(/: e2e pass_rate 0\.700 against 0\.900$/);
    const row = gated.rows.find((candidate) => candidate.agent === 'e2e')!;
    expect(row).toMatchObject({ metric: 'pass_rate', higherIsBetter: true, ok: false, candidate: { mean: 0.7, n: 10 }, incumbent: { mean: 0.9, n: 10 } });
    expect(row.candidate.low).toBeLessThan(0.7);
    expect(row.candidate.high).toBeGreaterThan(0.7);
    // Every agent metric tied: the E2E row alone decided.
    expect(gated.rows.filter((other) => other.agent !== 'e2e').every((other) => other.ok)).toBe(true);
  });

  it('accepts a candidate whose pass rate is within the tolerance; a stress run that fails is an error (retried), not a verdict', async () => {
    const checkpoint = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId: 'ckpt_7' }, ROWS);
    const accepted = await gate(stress({ 'student@ckpt_7': 19, 'student@ckpt_1': 19 }, 20)).decide({ checkpoint, engine: engine('student@ckpt_7', teacher) }, engine('student@ckpt_1', teacher), signal);
    expect(accepted).toMatchObject({ decision: 'accepted', reason: "no metric worse than student@ckpt_1's by more than 0.05" });
    const next = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId: 'ckpt_8' }, ROWS);
    await expect(gate(stress({ 'student@ckpt_8': 5 })).decide({ checkpoint: next, engine: engine('student@ckpt_8', teacher) }, engine('student@ckpt_1', teacher), signal)).rejects.toThrow(
      /stress run for student@ckpt_1 failed: agents unreachable/,
    );
    expect(await gates.decided('student', 'ckpt_8')).toBeUndefined();
  });
});
