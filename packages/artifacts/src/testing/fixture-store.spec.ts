import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileArtifactStore } from '../file-artifact-store.js';
import { storeCheckpointDir, storeDatasetRows, storeDir } from './fixture-store.js';

describe('the fixtures’ stored datasets and dirs', () => {
  let dir: string;
  let store: FileArtifactStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-fixture-store-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores each part as JSONL under a dataset manifest, with parents only where given', async () => {
    const { manifest, parts } = await storeDatasetRows(store, { eagle: [{ id: 'e1' }, { id: 'e2' }], eval: [{ id: 'v1' }] }, { id: 'ds.v1', createdBy: 'drafter-fixture' });
    expect((await store.get(parts.eagle!)).toString('utf8')).toBe('{"id":"e1"}\n{"id":"e2"}\n');
    expect(parts.eval!.kind).toBe('dataset-eval');
    const stored = await store.getManifest(manifest);
    expect(stored).toMatchObject({ id: 'ds.v1', kind: 'dataset', createdBy: 'drafter-fixture', files: { 'eagle.jsonl': parts.eagle, 'eval.jsonl': parts.eval }, parents: [] });
    const withParent = await storeDatasetRows(store, { sft: [] }, { id: 'ds.v2', createdBy: 'trainer-fixture', parents: [{ kind: 'campaign', id: 'c1' }] });
    expect((await store.getManifest(withParent.manifest)).parents).toEqual([{ kind: 'campaign', id: 'c1' }]);
  });

  it('stores every file of a dir under a manifest of its kind, the weights as safetensors', async () => {
    const student = join(dir, 'student');
    await mkdir(student);
    await writeFile(join(student, 'model.safetensors'), 'weights');
    await writeFile(join(student, 'config.json'), '{}');
    const { manifest, files } = await storeDir(store, student, { id: 'ck_1', kind: 'checkpoint', createdBy: 'drafter-fixture', attributes: { modelId: 'm' } });
    expect(files['model.safetensors']!.kind).toBe('safetensors');
    expect(files['config.json']!.kind).toBe('checkpoint-file');
    expect(await store.getManifest(manifest)).toMatchObject({ id: 'ck_1', kind: 'checkpoint', createdBy: 'drafter-fixture', attributes: { modelId: 'm' }, files });
    const checkpoint = await storeCheckpointDir(store, student, { modelId: 'm', checkpointId: 'ck_2', datasetId: 'ds', datasetEventId: 'ev_1', createdBy: 'quantizer-fixture' });
    expect(checkpoint).toMatchObject({ modelId: 'm', checkpointId: 'ck_2', weights: files['model.safetensors'], lineage: { datasetId: 'ds', checkpointId: 'ck_2', parentEventIds: ['ev_1'] } });
  });
});
