import { checkpointBf16Contract, type CheckpointBf16, drafterReadyContract, type DrafterReady } from '@distillery/contracts';
import { type Database, openDatabase, serviceSchemaMigration } from '@distillery/storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from './model-catalog.js';
import { ServingDrafters1764200000008 } from './serving-drafters.migration.js';
import { ServingModels1764100000008 } from './serving-models.migration.js';

const checkpointOf = (checkpointId: string): CheckpointBf16 => ({ ...checkpointBf16Contract.example, modelId: 'student', checkpointId });
const drafterOf = (checkpointId: string, drafterId: string): DrafterReady => ({ ...drafterReadyContract.example, modelId: 'student', checkpointId, drafterId });

describe('the model catalog’s drafters, on PGlite', () => {
  let db: Database;
  let catalog: ModelCatalog;
  const record = (checkpoint: CheckpointBf16) => db.dataSource.transaction((manager) => catalog.record(manager, checkpoint, `evt_${checkpoint.checkpointId}`));
  const recordDrafter = (drafter: DrafterReady) => db.dataSource.transaction((manager) => catalog.recordDrafter(manager, drafter, `evt_${drafter.drafterId}`));
  const desiredDrafter = async () => (await catalog.desired()).find((desired) => desired.version.modelId === 'student')?.version.drafter?.drafterId ?? null;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['serving'], migrations: [serviceSchemaMigration('serving', 1764000000008), ServingModels1764100000008, ServingDrafters1764200000008] });
    catalog = new ModelCatalog(db.dataSource);
  }, 60_000);
  afterEach(async () => {
    await db.dataSource.query('DELETE FROM serving.drafters');
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
});
