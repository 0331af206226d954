import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore, Manifest } from '@distillery/artifacts';
import type { ArtifactRef, CheckpointBf16, DatasetReady } from '@distillery/contracts';
import { CheckpointIntegrityError } from '../errors/checkpoint-integrity.error.js';
import { numericMetrics, type StageResult } from '../jobs/stage-result.js';
import type { TrainingSettings } from '../jobs/training-settings.js';

/** The weights file of a student dir (Hugging Face layout). */
export const WEIGHTS_FILE = 'model.safetensors';

/** The artifact kind of each student file; others are `checkpoint-file`. */
const FILE_KINDS: Readonly<Record<string, string>> = {
  [WEIGHTS_FILE]: 'safetensors',
  'config.json': 'checkpoint-config',
  'manifest.json': 'checkpoint-files',
  'tokenizer.json': 'tokenizer',
  'tokenizer_config.json': 'tokenizer-config',
};

/** What the compute plane's manifest.json of a checkpoint dir lists (compute/distillery_compute/checkpoint.py). */
interface StudentFiles {
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly size: number }>>;
  /** An imported base's origin, carried from stage to stage (bases.py): model, package, file sha256, licence. */
  readonly source?: { readonly model?: unknown; readonly license?: unknown; readonly sha256?: unknown; readonly package?: unknown; readonly preset?: unknown };
}

/** The checkpoints.bf16 `base` of a student whose manifest names the pretrained weights it derives from. */
function pretrainedBaseOf(listed: StudentFiles): CheckpointBf16['base'] {
  const source = listed.source;
  if (!source || typeof source.model !== 'string' || typeof source.license !== 'string' || typeof source.sha256 !== 'string') return undefined;
  return {
    model: source.model,
    license: source.license,
    sha256: source.sha256,
    ...(typeof source.package === 'string' ? { package: source.package } : {}),
    ...(typeof source.preset === 'string' ? { preset: source.preset } : {}),
  };
}

export interface CheckpointToPublish {
  readonly checkpointId: string;
  readonly modelId: string;
  readonly jobId: string;
  readonly datasetEventId: string;
  readonly dataset: DatasetReady;
  /** The dataset's manifest, as read (verified) from the store: the checkpoint's lineage parent. */
  readonly datasetManifest: Manifest;
  readonly settings: TrainingSettings;
  /** The student dir the compute job wrote. */
  readonly studentDir: string;
  /** Its report.json (every stage's figures and checkpoints). */
  readonly reportPath: string;
  readonly stages: readonly StageResult[];
  readonly wallSeconds: number;
  readonly createdAt?: string;
}

/**
 * Puts every file of the student dir into the artifact store (each checked against the sha256 the
 * compute plane's manifest.json lists), then the checkpoint manifest — files, training settings,
 * model config, each stage's figures, the agent-level metrics with their intervals per stage
 * (`attributes.agentMetrics`: `{ [stage]: MetricSummary[] }`, their means also among the stage's
 * figures as `agent.<agent>.<metric>`; those of the held-out-phrasing rows, when the dataset had
 * them, in `attributes.heldOutAgentMetrics`, as `heldout.agent.<agent>.<metric>`), lineage to the dataset's manifest, the pretrained base and
 * its licence when the student has one — and returns the checkpoints.bf16 message that announces it.
 */
export async function publishCheckpoint(store: ArtifactStore, input: CheckpointToPublish): Promise<CheckpointBf16> {
  const parents = [input.dataset.manifest.sha256];
  const names = (await readdir(input.studentDir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
  const files: Record<string, ArtifactRef> = {};
  for (const name of names) files[name] = await store.put({ path: join(input.studentDir, name) }, { kind: FILE_KINDS[name] ?? 'checkpoint-file', parents });
  const listed = JSON.parse(await readFile(join(input.studentDir, 'manifest.json'), 'utf8')) as StudentFiles;
  for (const [name, expected] of Object.entries(listed.files)) {
    if (files[name]?.sha256 !== expected.sha256) throw new CheckpointIntegrityError(name, expected.sha256, files[name]?.sha256);
  }
  const weights = files[WEIGHTS_FILE];
  if (!weights) throw new CheckpointIntegrityError(WEIGHTS_FILE, '(a weights file)', undefined);
  files['report.json'] = await store.put({ path: input.reportPath }, { kind: 'training-report', parents });

  const stages = input.stages.map((stage) => ({ stage: stage.stage, metrics: numericMetrics(stage.metrics) }));
  // the intervals of each stage's agent-level metrics, kept once: in attributes.agentMetrics, not in attributes.stages
  const agentMetrics = Object.fromEntries(input.stages.flatMap((stage) => (stage.agentMetrics ? [[stage.stage, stage.agentMetrics]] : [])));
  const heldOutAgentMetrics = Object.fromEntries(input.stages.flatMap((stage) => (stage.heldOutAgentMetrics ? [[stage.stage, stage.heldOutAgentMetrics]] : [])));
  const stageResults = input.stages.map(({ agentMetrics: _summaries, heldOutAgentMetrics: _heldOut, ...stage }) => stage);
  const base = pretrainedBaseOf(listed);
  const manifest = await store.putManifest({
    id: input.checkpointId,
    kind: 'checkpoint',
    createdAt: input.createdAt ?? new Date().toISOString(),
    createdBy: 'trainer',
    files,
    parents: [{ kind: input.datasetManifest.kind, id: input.datasetManifest.id, sha256: input.dataset.manifest.sha256 }],
    metrics: Object.fromEntries(stages.flatMap(({ stage, metrics }) => Object.entries(metrics).map(([name, value]) => [`${stage}.${name}`, value]))),
    attributes: {
      modelId: input.modelId,
      jobId: input.jobId,
      format: 'bf16',
      training: input.settings,
      model: JSON.parse(await readFile(join(input.studentDir, 'config.json'), 'utf8')) as unknown,
      stages: stageResults,
      ...(Object.keys(agentMetrics).length ? { agentMetrics } : {}),
      ...(Object.keys(heldOutAgentMetrics).length ? { heldOutAgentMetrics } : {}),
      dataset: { datasetId: input.dataset.datasetId, version: input.dataset.version, manifest: input.dataset.manifest, eventId: input.datasetEventId, counts: input.dataset.counts },
      wallSeconds: input.wallSeconds,
      ...(base ? { base } : {}),
    },
  });
  return {
    modelId: input.modelId,
    checkpointId: input.checkpointId,
    manifest,
    weights,
    stages,
    lineage: {
      ...(input.dataset.lineage.campaignId ? { campaignId: input.dataset.lineage.campaignId } : {}),
      datasetId: input.dataset.datasetId,
      checkpointId: input.checkpointId,
      parentEventIds: [input.datasetEventId],
    },
    ...(base ? { base } : {}),
  };
}
