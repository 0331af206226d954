import { checkpointBf16Contract, type CheckpointBf16, checkpointFp8Contract, type CheckpointFp8, drafterReadyContract, type DrafterReady } from '@distillery/contracts';
import { type Database, openDatabase, serviceSchemaMigration } from '@distillery/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fp8IdOf, ModelCatalog } from './model-catalog.js';
import { ServingDrafters1764200000008 } from './serving-drafters.migration.js';
import { ServingFp81764300000008 } from './serving-fp8.migration.js';
import { ServingModels1764100000008 } from './serving-models.migration.js';

const checkpointOf = (checkpointId: string): CheckpointBf16 => ({ ...checkpointBf16Contract.example, modelId: 'student', checkpointId });
const drafterOf = (checkpointId: string, drafterId: string): DrafterReady => ({ ...drafterReadyContract.example, modelId: 'student', checkpointId, drafterId });
/** An FP8 version of `checkpointId`; `quantization` tells two quantizations of it apart (their manifests differ). */
const fp8Of = (checkpointId: string, quantization: string): CheckpointFp8 => ({
  ...checkpointFp8Contract.example,
  modelId: 'student',
  checkpointId,
  manifest: { ...checkpointFp8Contract.example.manifest, sha256: quantization.repeat(64).slice(0, 64) },
});

describe('the model catalog’s drafters and FP8 versions, on PGlite', () => {
  let db: Database;
  let catalog: ModelCatalog;
  const record = (checkpoint: CheckpointBf16) => db.dataSource.transaction((manager) => catalog.record(manager, checkpoint, `evt_${checkpoint.checkpointId}`));
  const recordDrafter = (drafter: DrafterReady) => db.dataSource.transaction((manager) => catalog.recordDrafter(manager, drafter, `evt_${drafter.drafterId}`));
  const recordFp8 = (fp8: CheckpointFp8) => db.dataSource.transaction((manager) => catalog.recordFp8(manager, fp8, `evt_${fp8IdOf(fp8)}`));
  const desiredFp8 = async () => {
    const fp8 = (await catalog.desired()).find((desired) => desired.version.modelId === 'student')?.version.fp8;
    return fp8 ? [fp8.fp8Id, fp8.drafterRefused] : null;
  };
  const desiredDrafter = async () => (await catalog.desired()).find((desired) => desired.version.modelId === 'student')?.version.drafter?.drafterId ?? null;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['serving'], migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008, ServingFp81764300000008] });
    catalog = new ModelCatalog(db.dataSource);
  }, 60_000);
  afterEach(async () => {
    await db.dataSource.query('DELETE FROM serving.drafters');
    await db.dataSource.query('DELETE FROM serving.fp8');
    await db.dataSource.query('DELETE FROM serving.versions');
    await db.dataSource.query('DELETE FROM serving.pins');
  });
  afterAll(async () => db?.close());

  it('serves a version with its newest drafter not refused, and without one when all are refused', async () => {
    await record(checkpointOf('ckpt_1'));
    expect(await desiredDrafter()).toBeNull();
    // A drafter may come before its version: it waits in the catalog.
    expect(await recordDrafter(drafterOf('ckpt_2', 'eagle_2a'))).toBe(true);
    expect(await desiredDrafter()).toBeNull();
    await record(checkpointOf('ckpt_2'));
    expect(await desiredDrafter()).toBe('eagle_2a');
    expect(await recordDrafter(drafterOf('ckpt_2', 'eagle_2b'))).toBe(true);
    expect(await recordDrafter(drafterOf('ckpt_2', 'eagle_2b'))).toBe(false);
    expect(await desiredDrafter()).toBe('eagle_2b');
    await catalog.refuseDrafter(drafterOf('ckpt_2', 'eagle_2b'), 'the engine refused it');
    expect(await desiredDrafter()).toBe('eagle_2a');
    await catalog.refuseDrafter(drafterOf('ckpt_2', 'eagle_2a'), 'trained for other weights');
    expect(await desiredDrafter()).toBeNull();
    const listed = await catalog.drafters('student');
    expect(listed.map((entry) => [entry.drafter.drafterId, entry.refused])).toEqual([
      ['eagle_2b', 'the engine refused it'],
      ['eagle_2a', 'trained for other weights'],
    ]);
    expect((await catalog.versions('student')).map((version) => [version.checkpointId, version.drafter])).toEqual([
      ['ckpt_2', null],
      ['ckpt_1', null],
    ]);
  });

  it('keeps a pinned version’s own drafter', async () => {
    await record(checkpointOf('ckpt_1'));
    await recordDrafter(drafterOf('ckpt_1', 'eagle_1'));
    await record(checkpointOf('ckpt_2'));
    await recordDrafter(drafterOf('ckpt_2', 'eagle_2'));
    expect(await desiredDrafter()).toBe('eagle_2');
    await catalog.rollback('student');
    expect(await desiredDrafter()).toBe('eagle_1');
  });

  it('serves a version as its newest FP8 version not refused, and in BF16 again when all are refused', async () => {
    await record(checkpointOf('ckpt_1'));
    expect(await desiredFp8()).toBeNull();
    // An FP8 version may come before its version: it waits in the catalog.
    expect(await recordFp8(fp8Of('ckpt_2', 'a'))).toBe(true);
    expect(await desiredFp8()).toBeNull();
    await record(checkpointOf('ckpt_2'));
    expect(await desiredFp8()).toEqual(['fp8_aaaaaaaaaaaa', null]);
    expect(await recordFp8(fp8Of('ckpt_2', 'b'))).toBe(true);
    expect(await recordFp8(fp8Of('ckpt_2', 'b'))).toBe(false);
    expect(await desiredFp8()).toEqual(['fp8_bbbbbbbbbbbb', null]);
    await catalog.refuseFp8Drafter({ modelId: 'student', checkpointId: 'ckpt_2', fp8Id: 'fp8_bbbbbbbbbbbb' }, 'too slow');
    expect(await desiredFp8()).toEqual(['fp8_bbbbbbbbbbbb', 'too slow']); // still FP8, without its drafter
    await catalog.refuseFp8({ modelId: 'student', checkpointId: 'ckpt_2', fp8Id: 'fp8_bbbbbbbbbbbb' }, 'exact match 0.1 in FP8 against 0.5 in BF16');
    expect(await desiredFp8()).toEqual(['fp8_aaaaaaaaaaaa', null]);
    await catalog.refuseFp8({ modelId: 'student', checkpointId: 'ckpt_2', fp8Id: 'fp8_aaaaaaaaaaaa' }, 'the engine refused it');
    expect(await desiredFp8()).toBeNull();
    expect((await catalog.fp8Versions('student')).map((entry) => [entry.fp8Id, entry.refused, entry.drafterRefused])).toEqual([
      ['fp8_bbbbbbbbbbbb', 'exact match 0.1 in FP8 against 0.5 in BF16', 'too slow'],
      ['fp8_aaaaaaaaaaaa', 'the engine refused it', null],
    ]);
  });

  it('keeps a pinned version’s own FP8 version', async () => {
    await record(checkpointOf('ckpt_1'));
    await recordFp8(fp8Of('ckpt_1', '1'));
    await record(checkpointOf('ckpt_2'));
    await recordFp8(fp8Of('ckpt_2', '2'));
    expect(await desiredFp8()).toEqual(['fp8_222222222222', null]);
    await catalog.rollback('student');
    expect(await desiredFp8()).toEqual(['fp8_111111111111', null]);
  });
});
