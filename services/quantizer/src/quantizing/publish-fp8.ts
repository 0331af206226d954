import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore, Manifest } from '@distillery/artifacts';
import { FP8_FORMAT, type QuantizeRunManifest } from '@distillery/compute';
import { type ArtifactRef, type CheckpointBf16, type CheckpointFp8, checkpointFp8Schema, type DrafterReady } from '@distillery/contracts';
import type { QuantizerDataset } from '../catalog/dataset-catalog.js';
import { Fp8IntegrityError } from '../errors/fp8-integrity.error.js';
import type { StoredFp8 } from '../jobs/quantizer-job.entity.js';
import type { QuantizingSettings } from '../jobs/quantizing-settings.js';
import { agentFigures, type PrecisionAgentMetrics } from './precision-agent-metrics.js';

/** The weights file of a model dir. */
const WEIGHTS_FILE = 'model.safetensors';
/** The artifact kind of each FP8 student file (the trainer's names, FP8 weights); others are `checkpoint-file`. */
const STUDENT_FILE_KINDS: Readonly<Record<string, string>> = {
  [WEIGHTS_FILE]: 'safetensors-fp8',
  'config.json': 'checkpoint-config',
  'manifest.json': 'checkpoint-files',
  'tokenizer.json': 'tokenizer',
  'tokenizer_config.json': 'tokenizer-config',
};
/** The files of an EAGLE-3 drafter dir (what serving loads from drafters.ready) and their artifact kinds (the drafter's names, FP8 weights). */
export const DRAFTER_FILE_KINDS: Readonly<Record<string, string>> = {
  'config.json': 'drafter-config',
  [WEIGHTS_FILE]: 'safetensors-fp8',
  'manifest.json': 'drafter-files',
};
/** The run's manifest.json (calibration, clip rates by layer and by calibration, scales, BF16 against FP8, acceptance, memory), stored under this name. */
export const JOB_MANIFEST_FILE = 'quantize-job.json';

/** What the compute plane's manifest.json of a model dir lists (checkpoint.py, eagle/drafter.py). */
interface ListedFiles {
  readonly files?: Readonly<Record<string, { readonly sha256?: string }>>;
}

/** The drafter a job quantized with the student: its announcement, the event and its manifest as read (verified) from the store. */
export interface DrafterInput {
  readonly ready: DrafterReady;
  readonly eventId: string;
  readonly manifest: Manifest;
}

export interface Fp8ToPublish {
  readonly fp8Id: string;
  readonly jobId: string;
  readonly checkpoint: CheckpointBf16;
  readonly checkpointEventId: string;
  /** The checkpoint's manifest, as read (verified) from the store: the FP8 student's lineage parent. */
  readonly checkpointManifest: Manifest;
  readonly drafter?: DrafterInput;
  readonly dataset: QuantizerDataset;
  /** The dataset's manifest, as read (verified) from the store: where the calibration texts came from. */
  readonly datasetManifest: Manifest;
  readonly settings: QuantizingSettings;
  /** The run's manifest.json, where the compute job wrote it, and what it says. */
  readonly runManifestPath: string;
  readonly runManifest: QuantizeRunManifest;
  /** The BF16 and FP8 students' agent-level metrics on the same held-out rows (scorePrecisionOutputs). */
  readonly agentMetrics?: PrecisionAgentMetrics;
  readonly wallSeconds: number;
  readonly createdAt?: string;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const rate = (value: unknown): value is number => finite(value) && value >= 0 && value <= 1;

/**
 * The figures of an fp8 manifest (and of the job's row): the deployed calibration's clip rate and
 * flush rate on held-out sequences, BF16 against FP8 (greedy agreement, held-out loss, exact match,
 * decode tokens/s), weights on disk, and with a drafter its acceptance on the FP8 student before
 * and after its own quantization. Finite numbers only.
 */
export function fp8Metrics(run: QuantizeRunManifest): Record<string, number> {
  const { metrics, memory, acceptance } = run;
  const candidates: Record<string, unknown> = {
    clipRate: run.clip_rates.total,
    flushRate: run.clip_rates.flush,
    calibrationSamples: run.calibration.samples,
    calibrationTokens: run.calibration.tokens,
    greedyAgreement: metrics.greedy_agreement,
    agreementPrompts: metrics.agreement_prompts,
    bf16HeldOutLoss: metrics.bf16.held_out_loss,
    fp8HeldOutLoss: metrics.fp8.held_out_loss,
    bf16ExactMatch: metrics.bf16.exact_match,
    fp8ExactMatch: metrics.fp8.exact_match,
    bf16TokensPerSecond: metrics.decode.bf16?.tokens_per_s,
    fp8TokensPerSecond: metrics.decode.fp8?.tokens_per_s,
    bf16Bytes: memory.bf16_bytes,
    fp8Bytes: memory.fp8_bytes,
    savedBytes: memory.saved_bytes,
    drafterBf16Bytes: memory.drafter_bf16_bytes,
    drafterFp8Bytes: memory.drafter_fp8_bytes,
    bf16DrafterAcceptanceLength: acceptance?.bf16_drafter?.mean_accepted_length,
    fp8DrafterAcceptanceLength: acceptance?.fp8_drafter?.mean_accepted_length,
    fp8DrafterSameOutput: acceptance?.fp8_drafter?.same_output,
  };
  return Object.fromEntries(Object.entries(candidates).filter((entry): entry is [string, number] => finite(entry[1])));
}

/**
 * Puts a model dir's files into the artifact store, each checked against the sha256 its own
 * manifest.json lists (`names`: those files only, else every file of the dir), its weights the
 * ones the run's manifest names.
 */
async function storeModelDir(store: ArtifactStore, what: 'student' | 'drafter', dir: string, weightsSha256: string, kinds: Readonly<Record<string, string>>, names: readonly string[] | undefined, parents: string[]): Promise<Record<string, ArtifactRef>> {
  const listedNames = names ?? (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
  const files: Record<string, ArtifactRef> = {};
  for (const name of listedNames) files[name] = await store.put({ path: join(dir, name) }, { kind: kinds[name] ?? 'checkpoint-file', parents });
  const listed = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ListedFiles;
  for (const [name, expected] of Object.entries(listed.files ?? {})) {
    if (files[name]?.sha256 !== expected.sha256) throw new Fp8IntegrityError(`${what}/${name}`, `stored as sha256 ${files[name]?.sha256 ?? '(absent)'}, its manifest.json lists ${expected.sha256 ?? 'nothing'}`);
  }
  if (files[WEIGHTS_FILE]?.sha256 !== weightsSha256) throw new Fp8IntegrityError(`${what}/${WEIGHTS_FILE}`, `stored as sha256 ${files[WEIGHTS_FILE]?.sha256 ?? '(absent)'}, the run's manifest names ${weightsSha256}`);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { quantization_config?: unknown };
  if (!config.quantization_config) throw new Fp8IntegrityError(`${what}/config.json`, 'has no quantization_config: not an FP8 model');
  return files;
}

/**
 * Puts the FP8 student dir (every file, checked against its manifest.json) and, with a drafter, the
 * FP8 drafter dir (config.json, model.safetensors, manifest.json) into the artifact store, each under
 * a manifest of its own that serving lays out as the engine's dir (`fp8-student`, `fp8-drafter`);
 * then the run's manifest.json under the fp8 manifest — settings, calibration, clip rates, figures
 * (with the agent-level metrics' means as `bf16.agent.<agent>.<metric>` and `fp8.agent.…`, their
 * summaries with intervals in `attributes.agentMetrics`), lineage to the checkpoint's, the
 * drafter's and the dataset's manifests — and returns the
 * checkpoints.fp8 message that announces them. The student must have been quantized from the
 * announced checkpoint's weights and the drafter from the announced drafter's (Fp8IntegrityError).
 */
export async function publishFp8(store: ArtifactStore, input: Fp8ToPublish): Promise<{ fp8: CheckpointFp8; stored: StoredFp8; metrics: Record<string, number> }> {
  const { runManifest: run, checkpoint, dataset, drafter } = input;
  if (run.format !== FP8_FORMAT) throw new Fp8IntegrityError('manifest.json', `format ${String(run.format)}, expected ${FP8_FORMAT}`);
  if (run.target.weights_sha256 !== checkpoint.weights.sha256) throw new Fp8IntegrityError('target', `quantized from the student weights ${run.target.weights_sha256}, the checkpoint announced ${checkpoint.weights.sha256}`);
  if (Boolean(drafter) !== Boolean(run.drafter)) throw new Fp8IntegrityError('drafter', drafter ? `the run quantized no drafter, the job asked for ${drafter.ready.drafterId}` : 'the run quantized a drafter the job did not ask for');
  if (!rate(run.clip_rates.total)) throw new Fp8IntegrityError('manifest.json', `clip rate ${String(run.clip_rates.total)} is not a rate`);
  const createdAt = input.createdAt ?? new Date().toISOString();
  const checkpointParent = { kind: input.checkpointManifest.kind, id: input.checkpointManifest.id, sha256: checkpoint.manifest.sha256 };

  const studentFiles = await storeModelDir(store, 'student', run.student.path, run.student.weights_sha256, STUDENT_FILE_KINDS, undefined, [checkpoint.manifest.sha256]);
  const student = await store.putManifest({
    id: `${input.fp8Id}.student`,
    kind: 'fp8-student',
    createdAt,
    createdBy: 'quantizer',
    files: studentFiles,
    parents: [checkpointParent],
    attributes: { modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId, format: FP8_FORMAT, source: { weightsSha256: checkpoint.weights.sha256 } },
  });

  let drafterRef: ArtifactRef | undefined;
  if (drafter && run.drafter) {
    const source = drafter.ready.weights.sha256;
    if (run.drafter.source.weights_sha256 !== source) throw new Fp8IntegrityError('drafter source', `quantized from the drafter weights ${run.drafter.source.weights_sha256}, the drafter announced ${source}`);
    const files = await storeModelDir(store, 'drafter', run.drafter.path, run.drafter.weights_sha256, DRAFTER_FILE_KINDS, Object.keys(DRAFTER_FILE_KINDS), [drafter.ready.manifest.sha256]);
    drafterRef = await store.putManifest({
      id: `${input.fp8Id}.drafter`,
      kind: 'fp8-drafter',
      createdAt,
      createdBy: 'quantizer',
      files,
      parents: [{ kind: drafter.manifest.kind, id: drafter.manifest.id, sha256: drafter.ready.manifest.sha256 }],
      attributes: { modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId, drafterId: drafter.ready.drafterId, format: FP8_FORMAT, source: { weightsSha256: source }, target: { weightsSha256: run.student.weights_sha256 } },
    });
  }

  const parents = [checkpoint.manifest.sha256, dataset.manifest.sha256, ...(drafter ? [drafter.ready.manifest.sha256] : [])];
  const runFile = await store.put({ path: input.runManifestPath }, { kind: 'fp8-job-manifest', parents });
  const metrics = { ...fp8Metrics(run), ...(input.agentMetrics ? agentFigures(input.agentMetrics) : {}) };
  const clipRates = { ...Object.fromEntries(Object.entries(run.clip_rates.layers).filter(([, value]) => rate(value))), total: run.clip_rates.total };
  const manifest = await store.putManifest({
    id: input.fp8Id,
    kind: 'fp8',
    createdAt,
    createdBy: 'quantizer',
    files: { [JOB_MANIFEST_FILE]: runFile },
    parents: [
      checkpointParent,
      ...(drafter ? [{ kind: drafter.manifest.kind, id: drafter.manifest.id, sha256: drafter.ready.manifest.sha256 }] : []),
      { kind: input.datasetManifest.kind, id: input.datasetManifest.id, sha256: dataset.manifest.sha256 },
    ],
    metrics,
    attributes: {
      modelId: checkpoint.modelId,
      checkpointId: checkpoint.checkpointId,
      ...(drafter ? { drafterId: drafter.ready.drafterId, drafterEventId: drafter.eventId } : {}),
      jobId: input.jobId,
      format: FP8_FORMAT,
      student,
      drafter: drafterRef ?? null,
      settings: input.settings,
      calibration: run.calibration,
      clipRates: run.clip_rates,
      sweep: run.sweep,
      evaluation: { bf16: run.metrics.bf16, fp8: run.metrics.fp8, decode: run.metrics.decode, greedyAgreement: run.metrics.greedy_agreement, agreementPrompts: run.metrics.agreement_prompts },
      ...(input.agentMetrics ? { agentMetrics: input.agentMetrics } : {}),
      acceptance: run.acceptance,
      memory: run.memory,
      dataset: { datasetId: dataset.datasetId, version: dataset.version, manifest: dataset.manifest, eventId: dataset.eventId },
      checkpointEventId: input.checkpointEventId,
      wallSeconds: input.wallSeconds,
    },
  });
  const fp8: CheckpointFp8 = checkpointFp8Schema.parse({
    modelId: checkpoint.modelId,
    checkpointId: checkpoint.checkpointId,
    ...(drafter ? { drafterId: drafter.ready.drafterId } : {}),
    format: FP8_FORMAT,
    manifest,
    student,
    ...(drafterRef ? { drafter: drafterRef } : {}),
    calibration: { set: run.calibration.set, samples: run.calibration.samples },
    clipRates,
    lineage: {
      ...(checkpoint.lineage.campaignId ? { campaignId: checkpoint.lineage.campaignId } : {}),
      datasetId: dataset.datasetId,
      checkpointId: checkpoint.checkpointId,
      ...(drafter ? { drafterId: drafter.ready.drafterId } : {}),
      parentEventIds: [input.checkpointEventId, ...(drafter ? [drafter.eventId] : []), dataset.eventId],
    },
  });
  return { fp8, stored: { manifest, student, ...(drafterRef ? { drafter: drafterRef } : {}) }, metrics };
}
