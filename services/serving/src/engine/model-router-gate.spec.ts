import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import type { CheckpointBf16 } from '@distillery/contracts';
import type { EvalRow } from '@distillery/evaluation';
import { type Database, openDatabase, Outbox, serviceSchemaMigration } from '@distillery/storage';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeployGate } from '../gate/deploy-gate.js';
import { GateStore } from '../gate/gate-store.js';
import { ServingGates1764400000008 } from '../gate/serving-gates.migration.js';
import type { InferenceChunk, InferenceRequest } from '../inference/inference.types.js';
import { ModelCatalog } from '../models/model-catalog.js';
import { ServingDrafters1764200000008 } from '../models/serving-drafters.migration.js';
import { ServingFp81764300000008 } from '../models/serving-fp8.migration.js';
import { ServingModels1764100000008 } from '../models/serving-models.migration.js';
import { storeGatedCheckpoint } from '../testing/gated-checkpoint.js';
import type { EngineInstance, EngineInstanceOptions } from './engine-instance.js';
import { ModelRouter } from './model-router.js';

const understanding = (intents: string[]) => JSON.stringify({ intents, entities: {}, state: {}, outOfScope: false });
const ROWS: EvalRow[] = ['greeting', 'dealership_info', 'search_inventory', 'hand_off'].map((intent, i) => ({
  id: `row_${i}`,
  agent: 'understander',
  prompt: `<|system|>\nYou are the Understander.\n<|user|>\nmessage ${i}`,
  output: understanding([intent]),
  turnId: `turn_${i}`,
}));

/** Checkpoints whose engines answer every row with a greeting: wrong on three rows of four. */
const CONFUSED = new Set(['ckpt_2', 'ckpt_4']);

describe('the model router behind the deploy gate (PGlite, engines stood in for, the real gate and metrics)', () => {
  let db: Database;
  let dir: string;
  let store: FileArtifactStore;
  let catalog: ModelCatalog;
  let gates: GateStore;
  let router: ModelRouter | undefined;
  let engines: Array<{ version: string; stopped: boolean }>;
  let changes: Array<{ kind: string; version: string }>;

  const launch = async (options: EngineInstanceOptions): Promise<EngineInstance> => {
    const engine = { version: options.version, stopped: false };
    engines.push(engine);
    const confused = CONFUSED.has(options.version.split('@')[1]!);
    const stand = {
      version: options.version,
      restarts: 0,
      inFlight: 0,
      health: async () => undefined,
      stop: async () => void (engine.stopped = true),
      async *generate(request: InferenceRequest): AsyncGenerator<InferenceChunk> {
        const prompt = 'transcript' in request.prompt ? request.prompt.transcript : '';
        const row = ROWS.find((candidate) => candidate.prompt === prompt)!;
        yield { model: options.version, text: confused ? understanding(['greeting']) : row.output, finishReason: 'stop', promptTokens: 5, completionTokens: 5, cachedTokens: 0 };
      },
    };
    return stand as unknown as EngineInstance;
  };
  const announce = async (checkpointId: string, basePreset?: string): Promise<CheckpointBf16> => {
    const checkpoint = await storeGatedCheckpoint(store, { modelId: 'student', checkpointId, ...(basePreset ? { basePreset } : {}) }, ROWS);
    await db.dataSource.transaction((entity) => catalog.record(entity, checkpoint, `evt_${checkpointId}`));
    return checkpoint;
  };
  const settle = async () => {
    for (let i = 0; i < 3; i++) await router!.wake();
  };
  const served = async () => (await router!.models()).find((model) => model.id === 'student')?.root;

  beforeAll(async () => {
    db = await openDatabase({
      target: { kind: 'pglite', dataDir: 'memory://' },
      schemas: ['serving'],
      migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008, ServingFp81764300000008, ServingGates1764400000008],
    });
    catalog = new ModelCatalog(db.dataSource);
    gates = new GateStore(db.dataSource, new Outbox('serving'));
  }, 60_000);
  afterAll(async () => db?.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-router-gate-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
    engines = [];
    changes = [];
    router = startRouter();
    return async () => {
      await router?.stop(0);
      for (const table of ['gates', 'pins', 'versions', 'outbox']) await db.dataSource.query(`DELETE FROM serving.${table}`);
      await rm(dir, { recursive: true, force: true });
    };
  });
  const startRouter = (options: Partial<ConstructorParameters<typeof ModelRouter>[0]> = {}) =>
    new ModelRouter({
      catalog,
      artifacts: store,
      modelsDir: join(dir, 'models'),
      socketDir: dir,
      engine: { device: 'cpu' },
      gate: new DeployGate({ artifacts: store, store: gates, logger: pino({ level: 'silent' }), rows: 8, tolerance: 0.05, maxTokens: 32 }),
      logger: pino({ level: 'silent' }),
      reconcileMs: 60_000,
      onChange: (change) => void changes.push({ kind: change.kind, version: change.version }),
      launch,
      ...options,
    });

  it('keeps the incumbent serving through a refusal, then switches to a version as good as it', async () => {
    await announce('ckpt_1');
    await settle();
    expect(await served()).toBe('student@ckpt_1');
    expect((await gates.decided('student', 'ckpt_1'))).toMatchObject({ decision: 'accepted', incumbent: null });

    await announce('ckpt_2');
    await settle();
    expect(await served()).toBe('student@ckpt_1');
    const refused = await gates.decided('student', 'ckpt_2');
    expect(refused).toMatchObject({ decision: 'refused', incumbent: 'student@ckpt_1', reason: expect.stringMatching(/understander intent_accuracy 0\.250 against 1\.000/) });
    expect((await catalog.versions('student')).find((version) => version.checkpointId === 'ckpt_2')!.refused).toBe(`deploy gate: ${refused!.reason}`);
    expect(engines.map((engine) => [engine.version, engine.stopped])).toEqual([['student@ckpt_1', false], ['student@ckpt_2', true]]);
    expect(changes).toContainEqual({ kind: 'gate-refused', version: 'student@ckpt_2' });

    await announce('ckpt_3');
    await settle();
    expect(await served()).toBe('student@ckpt_3');
    expect(await gates.decided('student', 'ckpt_3')).toMatchObject({ decision: 'accepted', incumbent: 'student@ckpt_1' });
    expect(engines.find((engine) => engine.version === 'student@ckpt_1')!.stopped).toBe(true);
  });

  it('serves a version an operator pinned without gating it', async () => {
    await announce('ckpt_1');
    await settle();
    await announce('ckpt_4');
    await catalog.pin('student', 'ckpt_4', 'the operator knows better');
    await settle();
    expect(await served()).toBe('student@ckpt_4');
    expect(await gates.decided('student', 'ckpt_4')).toBeUndefined();
  });

  it('measures a model’s first version against the pretrained base it was distilled from when this replica serves the base', async () => {
    await router!.stop(0);
    router = startRouter({ gateBaseline: 'base', localModels: [{ modelId: 'smollm2-135m', version: 'smollm2-135m@abc', dir }] });
    await announce('ckpt_2', 'smollm2-135m');
    await settle();
    expect(await gates.decided('student', 'ckpt_2')).toMatchObject({ decision: 'refused', incumbent: 'smollm2-135m@abc', reason: expect.stringMatching(/^worse than smollm2-135m@abc beyond the tolerance/) });
    expect(await served()).toBeUndefined();
    expect((await router!.models()).map((model) => model.id)).toContain('smollm2-135m');
    await announce('ckpt_3', 'smollm2-135m');
    await settle();
    expect(await served()).toBe('student@ckpt_3');
    expect(await gates.decided('student', 'ckpt_3')).toMatchObject({ decision: 'accepted', incumbent: 'smollm2-135m@abc' });
  });

  it('lets the gate’s E2E test reach the version under the gate by its name, and only while it is gated', async () => {
    await announce('ckpt_1');
    await settle();
    const reached: string[] = [];
    // The stand-in for the simulator's stress run: the agents' calls for `version` come back to this router.
    const e2e = {
      async passRate(version: string) {
        const answer = router!.route(version);
        reached.push(answer.version);
        return { passed: 3, scenarios: 4, runId: `stress_${version}` };
      },
    };
    await router!.stop(0);
    router = startRouter({ gate: new DeployGate({ artifacts: store, store: gates, logger: pino({ level: 'silent' }), rows: 8, tolerance: 0.05, maxTokens: 32, e2e }) });
    await settle();
    await announce('ckpt_3');
    await settle();
    expect(reached).toEqual(['student@ckpt_3', 'student@ckpt_1']);
    expect((await gates.decided('student', 'ckpt_3'))!.rows.find((row) => row.agent === 'e2e')).toMatchObject({ metric: 'pass_rate', candidate: { mean: 0.75 }, incumbent: { mean: 0.75 }, ok: true });
    expect(await served()).toBe('student@ckpt_3');
    await announce('ckpt_2');
    await settle();
    // Refused on its agent metrics: after the gate, nothing answers for it.
    expect(() => router!.route('student@ckpt_2')).toThrow(/student@ckpt_2/);
  });
});
