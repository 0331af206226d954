import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore } from '@distillery/artifacts';
import type { DrafterRunManifest } from '@distillery/compute';
import { type CheckpointBf16, checkpointBf16Contract, drafterReadySchema } from '@distillery/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DrafterDataset } from '../datasets/dataset-catalog.js';
import { DrafterIntegrityError } from '../errors/drafter-integrity.error.js';
import { drafterMetrics, publishDrafter } from './publish-drafter.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const method = (length: number, speedup: number) => ({ mean_accepted_length: length, acceptance_by_position: [0.6, 0.3], tokens_per_s: 90, speedup, same_output: 3, draft_time_share: 0.4, spec: { method: 'tree' } });

describe('publishing the best drafter', () => {
  let dir: string;
  let store: FileArtifactStore;
  let checkpoint: CheckpointBf16;
  let dataset: DrafterDataset;

  /** A run dir as the compute job leaves it: two variants, `combined` the best. */
  async function runDir(change: { target?: string; listedWeights?: string } = {}): Promise<{ runManifestPath: string; runManifest: DrafterRunManifest }> {
    const run = join(dir, 'run');
    const variants: Record<string, DrafterRunManifest['variants'][string]> = {};
    for (const [name, length] of [['synthetic', 1.8], ['combined', 2.4]] as const) {
      const path = join(run, 'drafters', name, 'drafter');
      await mkdir(path, { recursive: true });
      const config = `{"architectures": ["LlamaForCausalLMEagle3"], "variant": "${name}"}`;
      const weights = `weights of ${name}`;
      await writeFile(join(path, 'config.json'), config);
      await writeFile(join(path, 'model.safetensors'), weights);
      const files = { 'config.json': { sha256: sha(config), size: config.length }, 'model.safetensors': { sha256: change.listedWeights ?? sha(weights), size: weights.length } };
      await writeFile(join(path, 'manifest.json'), JSON.stringify({ format: 1, kind: 'eagle3-drafter', files, target: { path: '/student', weights_sha256: change.target ?? checkpoint.weights.sha256 } }));
      variants[name] = { path, sets: ['in-domain'], train: {}, final: { loss: 3.5, accuracy_by_step: [0.5] }, metrics: { chain: method(length - 0.3, 1.1), tree: method(length, 1.3) }, weights_sha256: sha(weights) };
    }
    const runManifest: DrafterRunManifest = { target: { path: '/student', weights_sha256: checkpoint.weights.sha256 }, data: { 'in-domain': { examples: 6 } }, held_out: { prompts: 3, max_tokens: 24, plain: { tokens_per_s: 70 } }, variants, best: 'combined' };
    const runManifestPath = join(run, 'manifest.json');
    await writeFile(runManifestPath, JSON.stringify(runManifest));
    return { runManifestPath, runManifest };
  }

  const publish = async (run: { runManifestPath: string; runManifest: DrafterRunManifest }) =>
    publishDrafter(store, {
      drafterId: 'eagle_0001',
      jobId: 'job_0001',
      checkpoint,
      checkpointEventId: 'evt_ckpt',
      checkpointManifest: await store.getManifest(checkpoint.manifest),
      dataset,
      datasetManifest: await store.getManifest(dataset.manifest),
      settings: { variants: ['synthetic', 'combined'], steps: 6, draftVocab: 64, tttSteps: 7, maxNewTokens: 24, maxTokens: 1024, evalLimit: 3, evalMaxTokens: 24 },
      ...run,
      wallSeconds: 16.3,
      createdAt: '2026-12-06T15:00:00.000Z',
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-publish-drafter-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
    const weights = await store.put('student weights', { kind: 'safetensors' });
    const manifest = await store.putManifest({ id: 'ckpt_0001', kind: 'checkpoint', createdAt: '2026-12-06T14:00:00.000Z', createdBy: 'trainer', files: { 'model.safetensors': weights } });
    checkpoint = { ...checkpointBf16Contract.example, checkpointId: 'ckpt_0001', manifest, weights, lineage: { campaignId: 'camp_1', datasetId: 'ds_1', checkpointId: 'ckpt_0001', parentEventIds: ['evt_ds'] } };
    const datasetManifest = await store.putManifest({ id: 'ds_1.v2', kind: 'dataset', createdAt: '2026-12-06T13:00:00.000Z', createdBy: 'curator', files: {} });
    dataset = { eventId: 'evt_ds', datasetId: 'ds_1', version: 2, manifest: datasetManifest, parts: {}, lineage: { datasetId: 'ds_1', parentEventIds: [] } };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the best variant’s EAGLE-3 files and the run manifest, and announces them with the acceptance and lineage', async () => {
    const { drafter, stored } = await publish(await runDir());
    expect(drafterReadySchema.parse(drafter)).toEqual(drafter);
    expect(drafter).toMatchObject({
      modelId: checkpoint.modelId,
      drafterId: 'eagle_0001',
      checkpointId: 'ckpt_0001',
      metrics: { acceptanceLength: 2.4, chainAcceptanceLength: 2.1, speedup: 1.3, chainSpeedup: 1.1, plainTokensPerSecond: 70, sameOutput: 3, heldOutPrompts: 3, trainLoss: 3.5 },
      lineage: { campaignId: 'camp_1', datasetId: 'ds_1', checkpointId: 'ckpt_0001', drafterId: 'eagle_0001', parentEventIds: ['evt_ckpt', 'evt_ds'] },
    });
    const manifest = await store.getManifest(drafter.manifest);
    expect(manifest).toMatchObject({ id: 'eagle_0001', kind: 'drafter', createdBy: 'drafter', metrics: drafter.metrics, attributes: { variant: 'combined', format: 'eagle3', checkpointId: 'ckpt_0001', target: { weightsSha256: checkpoint.weights.sha256 } } });
    expect(Object.keys(manifest.files).sort()).toEqual(['config.json', 'drafter-job.json', 'manifest.json', 'model.safetensors']);
    expect(manifest.parents).toEqual([
      { kind: 'checkpoint', id: 'ckpt_0001', sha256: checkpoint.manifest.sha256 },
      { kind: 'dataset', id: 'ds_1.v2', sha256: dataset.manifest.sha256 },
    ]);
    expect((await store.get(manifest.files['model.safetensors']!)).toString()).toBe('weights of combined');
    expect(stored).toEqual({ manifest: drafter.manifest, weights: drafter.weights, config: manifest.files['config.json'] });
    expect(Object.keys((manifest.attributes as { variants: object }).variants).sort()).toEqual(['combined', 'synthetic']);
  });

  it('refuses files that are not what the drafter’s manifest.json lists, and a drafter trained for other weights', async () => {
    await expect(publish(await runDir({ listedWeights: sha('other bytes') }))).rejects.toThrow(DrafterIntegrityError);
    await expect(publish(await runDir({ listedWeights: sha('other bytes') }))).rejects.toThrow(/drafter model.safetensors: stored as sha256 [0-9a-f]{64}, its manifest.json lists [0-9a-f]{64}/);
    await expect(publish(await runDir({ target: sha('another student') }))).rejects.toThrow(/drafter target: trained for the student weights [0-9a-f]{64}, the checkpoint announced [0-9a-f]{64}/);
  });

  it('announces only finite figures', () => {
    expect(drafterMetrics({ best: 'none', variants: {} } as unknown as DrafterRunManifest)).toEqual({});
  });
});
