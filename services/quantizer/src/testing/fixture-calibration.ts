import { type ArtifactStore, storeCheckpointDir, storeDatasetRows, storeDir } from '@distillery/artifacts';
import { QUANTIZE_SETS } from '@distillery/compute';
import type { CheckpointBf16, DatasetReady, DrafterReady } from '@distillery/contracts';

const WORDS = 'the customer wants a red sedan with low mileage and asks about financing options for next week'.split(' ');

/** The calibration buckets of calibrationRows: short, for a micro student (the curator's go from 32 to 2,048 tokens). */
export const FIXTURE_LENGTHS = [16, 32] as const;

/**
 * Calibration texts — 2 per set (public, in-domain, mixed) and length (16, 32 words) — and 3 held-out
 * agent calls, in the curator's formats, the same on every call.
 */
export function calibrationRows(): {
  calibration: Array<{ id: string; set: string; bucket: number; tokens: number; text: string; source: string }>;
  eval: Array<{ id: string; agent: string; prompt: string; output: string }>;
} {
  let seed = 11;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  const words = (count: number) => Array.from({ length: count }, () => WORDS[next() % WORDS.length]).join(' ');
  return {
    calibration: QUANTIZE_SETS.flatMap((set) => FIXTURE_LENGTHS.flatMap((bucket) => [0, 1].map((i) => ({ id: `calibration:${set}:${bucket}:${i}`, set, bucket, tokens: bucket, text: words(bucket), source: set })))),
    eval: Array.from({ length: 3 }, (_, i) => ({ id: `eval_${i}`, agent: 'explainer', prompt: `<|user|>\n${words(4 + i)}`, output: words(6) })),
  };
}

/**
 * Stores calibration.jsonl and eval.jsonl (calibrationRows) and a dataset manifest, and returns the
 * datasets.ready message a curator would have sent (tests of the quantizer, without a curator).
 */
export async function publishCalibrationDataset(store: ArtifactStore, options: { readonly datasetId: string; readonly version?: number }): Promise<DatasetReady> {
  const version = options.version ?? 1;
  const rows = calibrationRows();
  const { manifest, parts } = await storeDatasetRows(store, rows, { id: `${options.datasetId}.v${version}`, createdBy: 'quantizer-fixture' });
  return { datasetId: options.datasetId, version, manifest, parts, counts: { calibration: rows.calibration.length, eval: rows.eval.length }, lineage: { datasetId: options.datasetId, parentEventIds: [] } };
}

/** Stores a student dir the way the trainer does and returns its checkpoints.bf16 message (storeCheckpointDir, made by the quantizer's fixtures). */
export function storeCheckpoint(
  store: ArtifactStore,
  dir: string,
  ids: { readonly modelId: string; readonly checkpointId: string; readonly datasetId: string; readonly datasetEventId: string },
): Promise<CheckpointBf16> {
  return storeCheckpointDir(store, dir, { ...ids, createdBy: 'quantizer-fixture' });
}

/**
 * Stores an EAGLE-3 drafter dir (the compute plane's `drafter` job writes one per variant) the way
 * the drafter service does — config.json, model.safetensors, manifest.json under a drafter manifest —
 * and returns the drafters.ready message for its checkpoint.
 */
export async function storeDrafter(
  store: ArtifactStore,
  dir: string,
  ids: { readonly modelId: string; readonly checkpointId: string; readonly drafterId: string; readonly datasetId: string; readonly parentEventIds: readonly string[] },
): Promise<DrafterReady> {
  const { manifest, files } = await storeDir(store, dir, { id: ids.drafterId, kind: 'drafter', createdBy: 'quantizer-fixture', attributes: { modelId: ids.modelId, checkpointId: ids.checkpointId } });
  return {
    modelId: ids.modelId,
    drafterId: ids.drafterId,
    checkpointId: ids.checkpointId,
    manifest,
    weights: files['model.safetensors']!,
    metrics: { acceptanceLength: 1.5 },
    lineage: { datasetId: ids.datasetId, checkpointId: ids.checkpointId, drafterId: ids.drafterId, parentEventIds: [...ids.parentEventIds] },
  };
}
