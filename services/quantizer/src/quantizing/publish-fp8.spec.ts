import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileArtifactStore, linkArtifacts } from '@distillery/artifacts';
import type { QuantizeRunManifest } from '@distillery/compute';
import { type CheckpointBf16, checkpointBf16Contract, checkpointFp8Schema, type DrafterReady, drafterReadyContract } from '@distillery/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuantizerDataset } from '../catalog/dataset-catalog.js';
import { Fp8IntegrityError } from '../errors/fp8-integrity.error.js';
import { type DrafterInput, fp8Metrics, publishFp8 } from './publish-fp8.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const settings = { set: 'mixed', length: 32, samples: 2, testLimit: 2, testMaxTokens: 64, evalLimit: 2, evalMaxTokens: 8, quantizeLmHead: false } as const;

describe('publishing the FP8 student and drafter', () => {
  let dir: string;
  let store: FileArtifactStore;
  let checkpoint: CheckpointBf16;
  let drafter: DrafterInput;
  let dataset: QuantizerDataset;

  /** A model dir as the compute plane writes it: its files and a manifest.json listing config.json and model.safetensors. */
  async function modelDir(path: string, files: Record<string, string>, listed: Record<string, string> = {}): Promise<string> {
    await mkdir(path, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(path, name), text);
    const hashes = Object.fromEntries(['config.json', 'model.safetensors'].map((name) => [name, { sha256: listed[name] ?? sha(files[name]!), size: files[name]!.length }]));
    await writeFile(join(path, 'manifest.json'), JSON.stringify({ format: 1, files: hashes }));
    return sha(files['model.safetensors']!);
  }

  /** A run dir as the quantize job leaves it: the FP8 student, with a drafter the FP8 drafter, and manifest.json. */
  async function runDir(change: { target?: string; source?: string; listedWeights?: string; plainConfig?: boolean; drafter?: boolean } = {}): Promise<{ runManifestPath: string; runManifest: QuantizeRunManifest }> {
    const run = join(dir, `run-${Math.random().toString(36).slice(2)}`);
    const fp8Config = JSON.stringify({ architectures: ['LlamaForCausalLM'], ...(change.plainConfig ? {} : { quantization_config: { quant_method: 'compressed-tensors' } }) });
    const student = await modelDir(join(run, 'student'), { 'config.json': fp8Config, 'model.safetensors': 'fp8 student weights', 'tokenizer.json': '{"model": {}}' }, change.listedWeights ? { 'model.safetensors': change.listedWeights } : {});
    const withDrafter = change.drafter ?? true;
    const drafterWeights = withDrafter ? await modelDir(join(run, 'drafter'), { 'config.json': fp8Config, 'model.safetensors': 'fp8 drafter weights' }) : undefined;
    const runManifest: QuantizeRunManifest = {
      format: 'fp8-e4m3-w8a8-static-per-tensor',
      target: { path: '/student', weights_sha256: change.target ?? checkpoint.weights.sha256 },
      student: { path: join(run, 'student'), weights_sha256: student },
      drafter: drafterWeights ? { path: join(run, 'drafter'), weights_sha256: drafterWeights, source: { path: '/drafter', weights_sha256: change.source ?? drafter.ready.weights.sha256 } } : null,
      calibration: { set: 'mixed', length: 32, samples: 2, tokens: 64, observer: 'static_minmax', ignore: ['lm_head'] },
      clip_rates: { total: 1.1e-4, flush: 0.0025, layers: { 'model.layers.0.mlp.down_proj': 4e-4, 'model.layers.0.self_attn.o_proj': 0 } },
      sweep: { test: { sequences: 2, tokens: 128 }, sets: { mixed: { '32': { clip_rate: 1.1e-4, flush_rate: 0.0025 } } } },
      scales: {},
      metrics: {
        bf16: { held_out_loss: 1.75, exact_match: 0.5 },
        fp8: { held_out_loss: 1.79, exact_match: 0.5 },
        greedy_agreement: 1,
        agreement_prompts: 2,
        decode: { bf16: { tokens: 16, seconds: 2, tokens_per_s: 8 }, fp8: { tokens: 16, seconds: 1, tokens_per_s: 16 } },
      },
      acceptance: drafterWeights ? { bf16_drafter: { mean_accepted_length: 1.86, same_output: 2, prompts: 2 }, fp8_drafter: { mean_accepted_length: 1.8, same_output: 2, prompts: 2 } } : null,
      memory: { bf16_bytes: 318, fp8_bytes: 187, saved_bytes: 131 },
    };
    const runManifestPath = join(run, 'manifest.json');
    await writeFile(runManifestPath, JSON.stringify(runManifest));
    return { runManifestPath, runManifest };
  }

  const publish = async (run: { runManifestPath: string; runManifest: QuantizeRunManifest }, withDrafter = true) =>
    publishFp8(store, {
      fp8Id: 'fp8_0001',
      jobId: 'job_0001',
      checkpoint,
      checkpointEventId: 'evt_ckpt',
      checkpointManifest: await store.getManifest(checkpoint.manifest),
      ...(withDrafter ? { drafter } : {}),
      dataset,
      datasetManifest: await store.getManifest(dataset.manifest),
      settings,
      ...run,
      wallSeconds: 20.4,
      createdAt: '2026-12-06T19:00:00.000Z',
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distillery-publish-fp8-'));
    store = new FileArtifactStore(pathToFileURL(join(dir, 'store')).href);
    const weights = await store.put('student weights', { kind: 'safetensors' });
    const manifest = await store.putManifest({ id: 'ckpt_0001', kind: 'checkpoint', createdAt: '2026-12-06T14:00:00.000Z', createdBy: 'trainer', files: { 'model.safetensors': weights } });
    checkpoint = { ...checkpointBf16Contract.example, checkpointId: 'ckpt_0001', manifest, weights, lineage: { campaignId: 'camp_1', datasetId: 'ds_1', checkpointId: 'ckpt_0001', parentEventIds: ['evt_ds'] } };
    const drafterWeights = await store.put('drafter weights', { kind: 'safetensors' });
    const drafterManifest = await store.putManifest({ id: 'eagle_0001', kind: 'drafter', createdAt: '2026-12-06T15:00:00.000Z', createdBy: 'drafter', files: { 'model.safetensors': drafterWeights } });
    const ready: DrafterReady = { ...drafterReadyContract.example, drafterId: 'eagle_0001', checkpointId: 'ckpt_0001', manifest: drafterManifest, weights: drafterWeights };
    drafter = { ready, eventId: 'evt_drafter', manifest: await store.getManifest(drafterManifest) };
    const datasetManifest = await store.putManifest({ id: 'ds_1.v2', kind: 'dataset', createdAt: '2026-12-06T13:00:00.000Z', createdBy: 'curator', files: {} });
    dataset = { eventId: 'evt_ds', datasetId: 'ds_1', version: 2, manifest: datasetManifest, parts: {}, lineage: { datasetId: 'ds_1', parentEventIds: [] } };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the FP8 student and drafter as dirs serving lays out, the run manifest under the fp8 manifest, and announces them with calibration, clip rates and lineage', async () => {
    const run = await runDir();
    const { fp8, stored, metrics } = await publish(run);
    expect(checkpointFp8Schema.parse(fp8)).toEqual(fp8);
    expect(fp8).toMatchObject({
      modelId: checkpoint.modelId,
      checkpointId: 'ckpt_0001',
      drafterId: 'eagle_0001',
      format: 'fp8-e4m3-w8a8-static-per-tensor',
      calibration: { set: 'mixed', samples: 2 },
      clipRates: { total: 1.1e-4, 'model.layers.0.mlp.down_proj': 4e-4, 'model.layers.0.self_attn.o_proj': 0 },
      lineage: { campaignId: 'camp_1', datasetId: 'ds_1', checkpointId: 'ckpt_0001', drafterId: 'eagle_0001', parentEventIds: ['evt_ckpt', 'evt_drafter', 'evt_ds'] },
    });
    expect(stored).toEqual({ manifest: fp8.manifest, student: fp8.student, drafter: fp8.drafter });

    const student = await store.getManifest(fp8.student);
    expect(student).toMatchObject({ id: 'fp8_0001.student', kind: 'fp8-student', createdBy: 'quantizer', parents: [{ kind: 'checkpoint', id: 'ckpt_0001', sha256: checkpoint.manifest.sha256 }] });
    expect(Object.keys(student.files).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors', 'tokenizer.json']);
    expect(student.files['model.safetensors']).toMatchObject({ sha256: run.runManifest.student.weights_sha256, kind: 'safetensors-fp8' });
    const drafterManifest = await store.getManifest(fp8.drafter!);
    expect(drafterManifest).toMatchObject({ id: 'fp8_0001.drafter', kind: 'fp8-drafter', parents: [{ kind: 'drafter', id: 'eagle_0001', sha256: drafter.ready.manifest.sha256 }] });
    expect(Object.keys(drafterManifest.files).sort()).toEqual(['config.json', 'manifest.json', 'model.safetensors']);
    // What serving does with a drafters.ready drafter: the manifest's files linked, re-hashed, as one dir.
    const laidOut = await linkArtifacts(store, drafterManifest.files, join(dir, 'serving', 'drafter'));
    expect(await readFile(join(laidOut, 'model.safetensors'), 'utf8')).toBe('fp8 drafter weights');
    expect(await readFile(join(await linkArtifacts(store, student.files, join(dir, 'serving', 'student')), 'model.safetensors'), 'utf8')).toBe('fp8 student weights');

    const manifest = await store.getManifest(fp8.manifest);
    expect(manifest).toMatchObject({ id: 'fp8_0001', kind: 'fp8', createdBy: 'quantizer', metrics, attributes: { jobId: 'job_0001', drafterId: 'eagle_0001', format: 'fp8-e4m3-w8a8-static-per-tensor', student: fp8.student, drafter: fp8.drafter, settings, dataset: { datasetId: 'ds_1', version: 2 } } });
    expect(manifest.parents.map((parent) => parent.kind)).toEqual(['checkpoint', 'drafter', 'dataset']);
    expect(JSON.parse((await store.get(manifest.files['quantize-job.json']!)).toString('utf8'))).toEqual(run.runManifest);
    expect(metrics).toEqual({
      clipRate: 1.1e-4,
      flushRate: 0.0025,
      calibrationSamples: 2,
      calibrationTokens: 64,
      greedyAgreement: 1,
      agreementPrompts: 2,
      bf16HeldOutLoss: 1.75,
      fp8HeldOutLoss: 1.79,
      bf16ExactMatch: 0.5,
      fp8ExactMatch: 0.5,
      bf16TokensPerSecond: 8,
      fp8TokensPerSecond: 16,
      bf16Bytes: 318,
      fp8Bytes: 187,
      savedBytes: 131,
      bf16DrafterAcceptanceLength: 1.86,
      fp8DrafterAcceptanceLength: 1.8,
      fp8DrafterSameOutput: 2,
    });
  });

  it("adds both precisions' agent-level metrics: their means among the figures, the summaries with intervals in the attributes", async () => {
    const line = (metric: string, mean: number) => ({ metric, agent: 'understander', n: 4, mean, low: mean / 2, high: (1 + mean) / 2, interval: 'wilson' as const });
    const agentMetrics = { bf16: [line('intent_accuracy', 0.75)], fp8: [line('intent_accuracy', 0.5)] };
    const run = await runDir();
    const { fp8, metrics } = await publishFp8(store, {
      fp8Id: 'fp8_0002',
      jobId: 'job_0002',
      checkpoint,
      checkpointEventId: 'evt_ckpt',
      checkpointManifest: await store.getManifest(checkpoint.manifest),
      drafter,
      dataset,
      datasetManifest: await store.getManifest(dataset.manifest),
      settings,
      ...run,
      agentMetrics,
      wallSeconds: 20.4,
    });
    expect(metrics).toMatchObject({ 'bf16.agent.understander.intent_accuracy': 0.75, 'fp8.agent.understander.intent_accuracy': 0.5, fp8ExactMatch: 0.5 });
    const manifest = await store.getManifest(fp8.manifest);
    expect(manifest.metrics).toEqual(metrics);
    expect(manifest.attributes).toMatchObject({ agentMetrics });
    expect(checkpointFp8Schema.parse(fp8)).toEqual(fp8);
  });

  it('announces the student alone without a drafter', async () => {
    const { fp8, stored } = await publish(await runDir({ drafter: false }), false);
    expect(fp8.drafterId).toBeUndefined();
    expect(fp8.drafter).toBeUndefined();
    expect(fp8.lineage.parentEventIds).toEqual(['evt_ckpt', 'evt_ds']);
    expect(stored.drafter).toBeUndefined();
    expect((await store.getManifest(fp8.manifest)).attributes).toMatchObject({ drafter: null, acceptance: null });
  });

  it('refuses files that are not what their manifest.json lists, a model without quantization_config, and models quantized from other weights', async () => {
    await expect(publish(await runDir({ listedWeights: sha('other bytes') }))).rejects.toThrow(Fp8IntegrityError);
    await expect(publish(await runDir({ listedWeights: sha('other bytes') }))).rejects.toThrow(/^fp8 student\/model.safetensors: stored as sha256 [0-9a-f]{64}, its manifest.json lists [0-9a-f]{64}$/);
    await expect(publish(await runDir({ plainConfig: true }))).rejects.toThrow('fp8 student/config.json: has no quantization_config: not an FP8 model');
    await expect(publish(await runDir({ target: sha('another student') }))).rejects.toThrow(/^fp8 target: quantized from the student weights [0-9a-f]{64}, the checkpoint announced [0-9a-f]{64}$/);
    await expect(publish(await runDir({ source: sha('another drafter') }))).rejects.toThrow(/^fp8 drafter source: quantized from the drafter weights [0-9a-f]{64}, the drafter announced [0-9a-f]{64}$/);
    await expect(publish(await runDir({ drafter: false }))).rejects.toThrow('fp8 drafter: the run quantized no drafter, the job asked for eagle_0001');
    await expect(publish(await runDir(), false)).rejects.toThrow('fp8 drafter: the run quantized a drafter the job did not ask for');
  });

  it('announces only finite figures', async () => {
    const { runManifest } = await runDir({ drafter: false });
    expect(fp8Metrics({ ...runManifest, metrics: { ...runManifest.metrics, greedy_agreement: Number.NaN, decode: {} }, memory: {} })).not.toHaveProperty('greedyAgreement');
  });
});
