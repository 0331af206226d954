import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import { EmbeddedBus, subscribeEvents, type Subscription } from '@distillery/bus';
import { ComputeJobError } from '@distillery/compute';
import { type CheckpointBf16, checkpointFp8Contract, type CheckpointFp8, encodeEvent } from '@distillery/contracts';
import { type Database, Inbox, openDatabase, serviceSchemaMigration } from '@distillery/storage';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Fp8Consumer, SERVING_FP8_GROUP } from '../models/fp8.consumer.js';
import { ModelCatalog } from '../models/model-catalog.js';
import { ServingDrafters1764200000008 } from '../models/serving-drafters.migration.js';
import { ServingFp81764300000008 } from '../models/serving-fp8.migration.js';
import { ServingModels1764100000008 } from '../models/serving-models.migration.js';
import { storeFp8Version } from '../testing/announce-fp8.js';
import { writeQuantizeRun } from '../testing/fake-quantize-run.js';
import type { EngineInstance, EngineInstanceOptions } from './engine-instance.js';
import { ModelRouter, type ModelRouterOptions } from './model-router.js';

/** An engine process's stand-in: what it was started on, whether it was stopped. */
interface FakeEngine {
  readonly checkpoint: string;
  readonly drafter: string | undefined;
  stopped: boolean;
}

describe('the model router taking FP8 versions announced on checkpoints.fp8 (PGlite, embedded bus, engines stood in for)', () => {
  let db: Database;
  let dir: string;
  let store: FileArtifactStore;
  let catalog: ModelCatalog;
  let bus: EmbeddedBus;
  let subscription: Subscription | undefined;
  let router: ModelRouter | undefined;
  let engines: FakeEngine[];
  let changes: Array<{ kind: string; reason?: string }>;
  /** The engine refuses what it is started on (exit 2) while this says so. */
  let refuses: (serve: EngineInstanceOptions['serve']) => boolean;
  let checkpoint: CheckpointBf16;
  let runs = 0;

  const launch = async (options: EngineInstanceOptions): Promise<EngineInstance> => {
    if (refuses(options.serve)) throw new ComputeJobError('python -m distillery_compute serve', 2, null, ['distillery_compute serve: unsupported quantization_config']);
    const engine: FakeEngine = { checkpoint: options.serve.checkpoint, drafter: options.serve.drafter, stopped: false };
    engines.push(engine);
    const stand = { version: options.version, restarts: 0, inFlight: 0, health: async () => undefined, stop: async () => void (engine.stopped = true) };
    return stand as unknown as EngineInstance;
  };

  /** A router over the catalog; `options` as the runtime passes them from the config. */
  const startRouter = (options: Partial<ModelRouterOptions> = {}) => {
    router = new ModelRouter({
      catalog,
      artifacts: store,
      modelsDir: join(dir, 'models'),
      socketDir: dir,
      engine: { device: 'cpu' },
      speculative: { speculative: 'chain', draftTokens: 7 },
      minDrafterSpeedup: 1,
      fp8: { tolerance: 0.05 },
      logger: pino({ level: 'silent' }),
      reconcileMs: 60_000,
      onChange: (change) => void changes.push({ kind: change.kind, ...(change.reason ? { reason: change.reason } : {}) }),
      launch,
      ...options,
    });
    return router;
  };
  /** Reads the catalog until what it wants is loaded (a refusal makes it read again). */
  const settle = async () => {
    for (let i = 0; i < 3; i++) await router!.wake();
  };
  const served = async () => (await router!.models()).find((model) => model.id === 'student');
  /** A quantize run of the BF16 student stored as the quantizer does, and its checkpoints.fp8 message. */
  const quantized = async (change: Parameters<typeof writeQuantizeRun>[1] = {}): Promise<CheckpointFp8> => {
    const runDir = join(dir, `run${runs++}`);
    await writeQuantizeRun(runDir, change);
    return storeFp8Version(store, runDir, { modelId: 'student', checkpointId: 'ckpt_1', drafterId: 'eagle_1' });
  };
  const announce = async (fp8: CheckpointFp8) => {
    const event = encodeEvent(checkpointFp8Contract, fp8, { source: 'quantizer' });
    await bus.publish(checkpointFp8Contract.topic, [event, event]); // delivered twice: recorded once
  };

  beforeAll(async () => {
    db = await openDatabase({
      target: { kind: 'pglite', dataDir: 'memory://' },
      schemas: ['serving'],
      migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008, ServingFp81764300000008],
    });
    catalog = new ModelCatalog(db.dataSource);
  }, 60_000);
  afterAll(async () => db?.close());

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-router-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
    engines = [];
    changes = [];
    refuses = () => false;
    bus = new EmbeddedBus();
    await bus.ensureTopics([checkpointFp8Contract.topic, `${checkpointFp8Contract.topic}.dlq`]);
    // The BF16 student the fake quantize runs name as their source.
    const weights = await store.put('bf16 student weights', { kind: 'safetensors' });
    const config = await store.put('{}', { kind: 'checkpoint-file' });
    const manifest = await store.putManifest({ id: 'ckpt_1', kind: 'checkpoint', createdAt: new Date().toISOString(), createdBy: 'trainer', files: { 'model.safetensors': weights, 'config.json': config } });
    checkpoint = { modelId: 'student', checkpointId: 'ckpt_1', manifest, weights, stages: [], lineage: { checkpointId: 'ckpt_1', parentEventIds: [] } };
    await db.dataSource.transaction((entity) => catalog.record(entity, checkpoint, 'evt_ckpt_1'));
  });
  afterEach(async () => {
    await subscription?.stop();
    await router?.stop(0);
    subscription = undefined;
    router = undefined;
    for (const table of ['fp8', 'drafters', 'versions', 'inbox']) await db.dataSource.query(`DELETE FROM serving.${table}`);
    await rm(dir, { recursive: true, force: true });
  });

  /** The checkpoints.fp8 consumer, recording into the catalog and waking the router, as the runtime wires it. */
  const startConsumer = async (precision: 'fp8' | 'bf16') => {
    let recorded = 0;
    const fp8 = new Fp8Consumer({ inbox: new Inbox(db.dataSource, 'serving', SERVING_FP8_GROUP), catalog, logger: pino({ level: 'silent' }), precision, onRecorded: () => void recorded++ });
    subscription = await subscribeEvents(bus, checkpointFp8Contract, { groupId: SERVING_FP8_GROUP, handler: (event, record) => fp8.handle(event, record) });
    return () => recorded;
  };
  const untilRecorded = async (recorded: () => number, count: number) => {
    for (let i = 0; i < 200 && recorded() < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(recorded()).toBe(count);
  };

  it('loads an FP8 version with its FP8 drafter beside the BF16 engine, switches to it and stops the BF16 engine', async () => {
    const recorded = await startConsumer('fp8');
    startRouter();
    await settle();
    expect(engines).toEqual([{ checkpoint: join(dir, 'models', 'student', 'ckpt_1'), drafter: undefined, stopped: false }]);
    expect(await served()).toMatchObject({ root: 'student@ckpt_1', format: 'bf16', precision: 'bf16' });

    const fp8 = await quantized();
    await announce(fp8);
    await untilRecorded(recorded, 1);
    await settle();
    const fp8Dir = join(dir, 'models', 'student', 'ckpt_1~fp8', (await catalog.fp8Versions('student'))[0]!.fp8Id);
    expect(engines.map((engine) => [engine.checkpoint, engine.drafter, engine.stopped])).toEqual([
      [join(dir, 'models', 'student', 'ckpt_1'), undefined, true],
      [join(fp8Dir, 'student'), join(fp8Dir, 'drafter'), false],
    ]);
    expect(await served()).toMatchObject({ root: 'student@ckpt_1', format: 'fp8-e4m3-w8a8-static-per-tensor', precision: 'fp8', calibration: { set: 'mixed', samples: 2 }, checkpoint: fp8.student });
    const [engine] = await router!.health();
    expect(engine).toMatchObject({ version: 'student@ckpt_1', drafterId: 'eagle_1', form: { precision: 'fp8', fp8: { calibration: { set: 'mixed', samples: 2 }, figures: { bf16ExactMatch: 0.5, fp8ExactMatch: 0.5, greedyAgreement: 0.75, fp8DrafterSpeedup: 1.6 } } } });
    expect(changes.map((change) => change.kind)).toEqual(['loaded', 'loaded']);
  });

  it('refuses an FP8 version whose exact match is below BF16’s less the tolerance, naming the figures; BF16 goes on serving', async () => {
    startRouter();
    await settle();
    const fp8 = await quantized({ exactMatch: { bf16: 0.5, fp8: 0.25 } });
    await db.dataSource.transaction((entity) => catalog.recordFp8(entity, fp8, 'evt_fp8'));
    await settle();
    expect(engines).toHaveLength(1);
    expect(engines[0]!.stopped).toBe(false);
    const reason = 'exact match 0.250 in FP8 against 0.500 in BF16, below the BF16 figure less DISTILLERY_SERVING_FP8_TOLERANCE 0.05';
    expect((await catalog.fp8Versions('student')).map((entry) => entry.refused)).toEqual([reason]);
    expect(changes).toContainEqual({ kind: 'fp8-refused', reason });
    expect(await served()).toMatchObject({ precision: 'bf16' });
  });

  it('serves the FP8 student without its drafter when the engine refuses the pair; a student it refuses too leaves the version as it was served', async () => {
    startRouter();
    await settle();
    refuses = (serve) => serve.drafter !== undefined && serve.checkpoint.includes('~fp8');
    await db.dataSource.transaction(async (entity) => catalog.recordFp8(entity, await quantized(), 'evt_fp8'));
    await settle();
    expect((await catalog.fp8Versions('student'))[0]).toMatchObject({ refused: null, drafterRefused: expect.stringMatching(/unsupported quantization_config/) });
    expect(await served()).toMatchObject({ precision: 'fp8' });
    expect(engines.at(-1)).toMatchObject({ drafter: undefined, stopped: false });

    refuses = (serve) => serve.checkpoint.includes('~fp8');
    await db.dataSource.transaction(async (entity) => catalog.recordFp8(entity, await quantized({ exactMatch: { bf16: 0.5, fp8: 0.49 } }), 'evt_fp8_2'));
    await settle();
    expect((await catalog.fp8Versions('student'))[0]).toMatchObject({ refused: expect.stringMatching(/unsupported quantization_config/) });
    expect(await served()).toMatchObject({ precision: 'fp8' }); // the first FP8 version, still servable, goes on
    expect(changes.map((change) => change.kind)).toEqual(['loaded', 'fp8-drafter-refused', 'loaded', 'fp8-drafter-refused', 'fp8-refused']);
  });

  it('refuses an FP8 drafter measured slower than plain FP8 decoding and serves the FP8 student alone', async () => {
    startRouter({ minDrafterSpeedup: 2 });
    await db.dataSource.transaction(async (entity) => catalog.recordFp8(entity, await quantized(), 'evt_fp8'));
    await settle();
    expect((await catalog.fp8Versions('student'))[0]!.drafterRefused).toMatch(/1\.60x plain FP8 decoding as a chain, below DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP 2/);
    expect(engines.map((engine) => [engine.checkpoint.endsWith('student'), engine.drafter])).toEqual([[true, undefined]]);
  });

  it('with DISTILLERY_SERVING_PRECISION=bf16 records FP8 versions and serves BF16', async () => {
    const recorded = await startConsumer('bf16');
    startRouter({ fp8: undefined }); // what the runtime passes with bf16
    await settle();
    await announce(await quantized());
    await untilRecorded(recorded, 1);
    await settle();
    expect(await catalog.fp8Versions('student')).toHaveLength(1);
    expect(engines).toHaveLength(1);
    expect(await served()).toMatchObject({ precision: 'bf16', format: 'bf16' });
  });

  it('stops at once while an engine is still loading: the load is aborted, not waited for, and nothing is marked refused or retried', async () => {
    let aborted: unknown;
    const loading = (options: EngineInstanceOptions) =>
      new Promise<EngineInstance>((_, reject) => options.signal?.addEventListener('abort', () => reject((aborted = options.signal?.reason) as Error), { once: true }));
    startRouter({ launch: loading });
    const waking = router!.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await router!.stop(0); // the stand-in never loads: waiting for it would hang the test
    await waking;
    expect((aborted as Error).message).toBe('the serving replica is stopping');
    expect(changes).toEqual([]);
    expect((await catalog.versions('student')).map((version) => version.refused)).toEqual([null]);
  });
});
