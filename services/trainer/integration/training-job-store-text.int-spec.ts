/**
 * Needs PostgreSQL for its second half (DISTILLERY_TEST_DATABASE_URL; `npm test` starts it); the
 * PGlite half runs anywhere. A datasets.ready event another producer wrote, and what the compute
 * plane reports, reach the trainer's rows as they came: NUL, other control characters and lone
 * surrogates are stored as U+FFFD instead of failing the write (PostgreSQL refuses \u0000).
 */
import { type DatasetReady, datasetReadyContract } from '@distillery/contracts';
import { openDatabase, Outbox } from '@distillery/storage';
import { describeOnDatabases, OUTSIDE_TEXT as BAD, OUTSIDE_TEXT_STORED as STORED } from '@distillery/testing';
import { expect, it } from 'vitest';
import { TrainingJobStore } from '../src/jobs/training-job-store.js';
import type { TrainingSettings } from '../src/jobs/training-settings.js';
import { TRAINER_ENTITIES, TRAINER_MIGRATIONS } from '../src/trainer.schema.js';

const settings: TrainingSettings = { preset: 'micro', stages: ['expand', 'cpt', 'sft', 'dpo'], device: 'cpu', seed: 0, evalLimit: 0 };
const datasetOf = (datasetId: string): DatasetReady => ({
  ...datasetReadyContract.example,
  datasetId,
  manifest: { ...datasetReadyContract.example.manifest, kind: BAD },
  lineage: { datasetId, campaignId: BAD, parentEventIds: [BAD] },
});

describeOnDatabases('trainer rows from outside text', (target) => openDatabase({ target, schemas: ['trainer'], migrations: TRAINER_MIGRATIONS, entities: TRAINER_ENTITIES }), (database) => {
  it('stores a dataset event, a refusal, progress and an error with NUL and lone surrogates as U+FFFD', async () => {
    const { dataSource } = database();
    const store = new TrainingJobStore(dataSource, new Outbox('trainer'));
    const refused = await dataSource.transaction((manager) =>
      store.enqueue(manager, { dataset: datasetOf(`ds_${BAD}`), eventId: `evt_${BAD}`, modelId: 'student-test', settings, refusal: `cannot train: ${BAD}` }),
    );
    expect(refused.kind).toBe('refused');
    const failed = await store.get(refused.kind === 'refused' ? refused.job.id : '');
    expect(failed).toMatchObject({ datasetId: `ds_${STORED}`, datasetEventId: `evt_${STORED}`, error: `cannot train: ${STORED}`, status: 'failed' });
    expect(failed.dataset).toMatchObject({ datasetId: `ds_${STORED}`, manifest: { kind: STORED }, lineage: { campaignId: STORED, parentEventIds: [STORED] } });

    const queued = await dataSource.transaction((manager) => store.enqueue(manager, { dataset: datasetOf('ds_ok'), eventId: 'evt_ok', modelId: 'student-test', settings }));
    expect(queued.kind).toBe('queued');
    const claimed = await store.claim('replica-a');
    const snapshot = { stage: BAD, step: 1, total: 2, loss: 0.5, progress: { note: BAD }, stages: [{ stage: BAD, metrics: { method: BAD }, skipped: false }] };
    expect(await store.beat(claimed!.id, 'replica-a', snapshot)).toEqual({ cancelRequested: false });
    expect(await store.finish(claimed!.id, 'replica-a', 'failed', `compute said: ${BAD}`, snapshot)).toBe(true);
    expect(await store.get(claimed!.id)).toMatchObject({
      status: 'failed',
      error: `compute said: ${STORED}`,
      stage: STORED,
      progress: { note: STORED },
      stages: [{ stage: STORED, metrics: { method: STORED }, skipped: false }],
    });
    expect((await store.list({ datasetId: `ds_${STORED}` })).map((job) => job.id)).toEqual([failed.id]);
  });
});
