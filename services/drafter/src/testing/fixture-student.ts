import { type ArtifactStore, storeCheckpointDir, storeDatasetRows } from '@distillery/artifacts';
import type { CheckpointBf16, DatasetReady } from '@distillery/contracts';

const WORDS = 'the customer wants a red sedan with low mileage and asks about financing options for next week'.split(' ');

/** 12 EAGLE prompts (in-domain and external in turn) and 3 held-out ones, in the curator's formats, the same on every call. */
export function eagleRows(): { eagle: Array<{ id: string; set: 'in-domain' | 'external'; prompt: string }>; eval: Array<{ id: string; agent: string; prompt: string; output: string }> } {
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  const line = () => Array.from({ length: 4 + (next() % 9) }, () => WORDS[next() % WORDS.length]).join(' ');
  return {
    eagle: Array.from({ length: 12 }, (_, i) => ({ id: `eagle_${i}`, set: i % 2 ? 'in-domain' : 'external', prompt: `<|user|>\n${line()}` })),
    eval: Array.from({ length: 3 }, (_, i) => ({ id: `eval_${i}`, agent: 'explainer', prompt: `<|user|>\n${line()}`, output: line() })),
  };
}

/**
 * Stores eagle.jsonl and eval.jsonl (eagleRows) and a dataset manifest, and returns the
 * datasets.ready message a curator would have sent (tests of the drafter, without a curator).
 */
export async function publishEagleDataset(store: ArtifactStore, options: { readonly datasetId: string; readonly version?: number }): Promise<DatasetReady> {
  const version = options.version ?? 1;
  const rows = eagleRows();
  const { manifest, parts } = await storeDatasetRows(store, rows, { id: `${options.datasetId}.v${version}`, createdBy: 'drafter-fixture' });
  return { datasetId: options.datasetId, version, manifest, parts, counts: { eagle: rows.eagle.length, eval: rows.eval.length }, lineage: { datasetId: options.datasetId, parentEventIds: [] } };
}

/** Stores a student dir the way the trainer does and returns its checkpoints.bf16 message (storeCheckpointDir, made by the drafter's fixtures). */
export function storeCheckpoint(
  store: ArtifactStore,
  dir: string,
  ids: { readonly modelId: string; readonly checkpointId: string; readonly datasetId: string; readonly datasetEventId: string },
): Promise<CheckpointBf16> {
  return storeCheckpointDir(store, dir, { ...ids, createdBy: 'drafter-fixture' });
}
