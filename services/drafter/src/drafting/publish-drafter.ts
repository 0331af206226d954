import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore, Manifest } from '@distillery/artifacts';
import type { DrafterMethodMetrics, DrafterRunManifest } from '@distillery/compute';
import type { ArtifactRef, CheckpointBf16, DrafterReady } from '@distillery/contracts';
import type { DrafterDataset } from '../datasets/dataset-catalog.js';
import { DrafterIntegrityError } from '../errors/drafter-integrity.error.js';
import type { StoredDrafter } from '../jobs/drafter-job.entity.js';
import type { DraftingSettings } from '../jobs/drafting-settings.js';

/** The files of a drafter dir (the EAGLE-3 layout) and their artifact kinds. */
export const DRAFTER_FILE_KINDS: Readonly<Record<string, string>> = {
  'config.json': 'drafter-config',
  'model.safetensors': 'safetensors',
  'manifest.json': 'drafter-files',
};
/** The run's manifest.json (every variant, its data and figures), stored beside the drafter's files under this name. */
export const JOB_MANIFEST_FILE = 'drafter-job.json';

/** What the compute plane's manifest.json of a drafter dir lists (compute/distillery_compute/eagle/drafter.py). */
interface DrafterFiles {
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly size: number }>>;
  readonly target?: { readonly weights_sha256?: string };
}

export interface DrafterToPublish {
  readonly drafterId: string;
  readonly jobId: string;
  readonly checkpoint: CheckpointBf16;
  readonly checkpointEventId: string;
  /** The checkpoint's manifest, as read (verified) from the store: the drafter's lineage parent. */
  readonly checkpointManifest: Manifest;
  readonly dataset: DrafterDataset;
  /** The dataset's manifest, as read (verified) from the store: the drafter's other lineage parent. */
  readonly datasetManifest: Manifest;
  readonly settings: DraftingSettings;
  /** The run's manifest.json, where the compute job wrote it, and what it says. */
  readonly runManifestPath: string;
  readonly runManifest: DrafterRunManifest;
  readonly wallSeconds: number;
  readonly createdAt?: string;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The figures drafters.ready carries: the best variant's acceptance (mean accepted length: tokens a
 * verified draft adds, the target's own included) drafting as a tree (`acceptanceLength`) and as a
 * chain, their speedups over plain decoding, held-out prompts whose output equals plain decoding's,
 * the drafter's final training loss. Finite numbers only.
 */
export function drafterMetrics(runManifest: DrafterRunManifest): Record<string, number> {
  const best = runManifest.variants[runManifest.best];
  if (!best) return {};
  const { chain, tree } = best.metrics;
  const candidates: Record<string, unknown> = {
    acceptanceLength: tree.mean_accepted_length,
    chainAcceptanceLength: chain.mean_accepted_length,
    speedup: tree.speedup,
    chainSpeedup: chain.speedup,
    tokensPerSecond: tree.tokens_per_s,
    plainTokensPerSecond: runManifest.held_out.plain.tokens_per_s,
    draftTimeShare: tree.draft_time_share,
    sameOutput: tree.same_output,
    heldOutPrompts: runManifest.held_out.prompts,
    trainLoss: best.final.loss,
  };
  return Object.fromEntries(Object.entries(candidates).filter((entry): entry is [string, number] => finite(entry[1])));
}

/** A method's measurements without the lists and the drafting spec: what a manifest's attributes compare. */
const figures = (metrics: DrafterMethodMetrics) => Object.fromEntries(Object.entries(metrics).filter(([, value]) => finite(value) || Array.isArray(value)));

/**
 * Puts the best variant's drafter dir (config.json, model.safetensors, manifest.json — each checked
 * against the sha256 its manifest.json lists; its target must be the announced student) and the
 * run's manifest.json into the artifact store, then the drafter manifest — files, settings, every
 * variant's figures, lineage to the checkpoint's and the dataset's manifests — and returns the
 * drafters.ready message that announces it with where its files are.
 */
export async function publishDrafter(store: ArtifactStore, input: DrafterToPublish): Promise<{ drafter: DrafterReady; stored: StoredDrafter }> {
  const { runManifest, checkpoint, dataset } = input;
  const best = runManifest.variants[runManifest.best];
  if (!best) throw new DrafterIntegrityError('manifest.json', `the run's best variant ${runManifest.best} is not among its variants (${Object.keys(runManifest.variants).join(', ')})`);
  const parents = [checkpoint.manifest.sha256, dataset.manifest.sha256];
  const files: Record<string, ArtifactRef> = {};
  for (const [name, kind] of Object.entries(DRAFTER_FILE_KINDS)) files[name] = await store.put({ path: join(best.path, name) }, { kind, parents });
  const listed = JSON.parse(await readFile(join(best.path, 'manifest.json'), 'utf8')) as DrafterFiles;
  for (const name of ['config.json', 'model.safetensors']) {
    const expected = listed.files[name]?.sha256;
    if (files[name]?.sha256 !== expected) throw new DrafterIntegrityError(name, `stored as sha256 ${files[name]?.sha256 ?? '(none)'}, its manifest.json lists ${expected ?? 'nothing'}`);
  }
  const target = listed.target?.weights_sha256;
  if (target !== checkpoint.weights.sha256) throw new DrafterIntegrityError('target', `trained for the student weights ${target ?? '(none named)'}, the checkpoint announced ${checkpoint.weights.sha256}`);
  files[JOB_MANIFEST_FILE] = await store.put({ path: input.runManifestPath }, { kind: 'drafter-job-manifest', parents });

  const metrics = drafterMetrics(runManifest);
  const manifest = await store.putManifest({
    id: input.drafterId,
    kind: 'drafter',
    createdAt: input.createdAt ?? new Date().toISOString(),
    createdBy: 'drafter',
    files,
    parents: [
      { kind: input.checkpointManifest.kind, id: input.checkpointManifest.id, sha256: checkpoint.manifest.sha256 },
      { kind: input.datasetManifest.kind, id: input.datasetManifest.id, sha256: dataset.manifest.sha256 },
    ],
    metrics,
    attributes: {
      modelId: checkpoint.modelId,
      checkpointId: checkpoint.checkpointId,
      jobId: input.jobId,
      format: 'eagle3',
      variant: runManifest.best,
      settings: input.settings,
      target: { weightsSha256: checkpoint.weights.sha256 },
      variants: Object.fromEntries(
        Object.entries(runManifest.variants).map(([name, variant]) => [name, { sets: variant.sets, final: variant.final, chain: figures(variant.metrics.chain), tree: figures(variant.metrics.tree), weightsSha256: variant.weights_sha256 }]),
      ),
      data: runManifest.data,
      heldOut: { prompts: runManifest.held_out.prompts, maxTokens: runManifest.held_out.max_tokens, plainTokensPerSecond: runManifest.held_out.plain.tokens_per_s ?? null },
      dataset: { datasetId: dataset.datasetId, version: dataset.version, manifest: dataset.manifest, eventId: dataset.eventId },
      checkpointEventId: input.checkpointEventId,
      wallSeconds: input.wallSeconds,
    },
  });
  const drafter: DrafterReady = {
    modelId: checkpoint.modelId,
    drafterId: input.drafterId,
    checkpointId: checkpoint.checkpointId,
    manifest,
    weights: files['model.safetensors']!,
    metrics,
    lineage: {
      ...(checkpoint.lineage.campaignId ? { campaignId: checkpoint.lineage.campaignId } : {}),
      datasetId: dataset.datasetId,
      checkpointId: checkpoint.checkpointId,
      drafterId: input.drafterId,
      parentEventIds: [input.checkpointEventId, dataset.eventId],
    },
  };
  return { drafter, stored: { manifest, weights: files['model.safetensors']!, config: files['config.json']! } };
}
