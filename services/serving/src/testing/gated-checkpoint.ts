import { type ArtifactStore, storeDatasetRows } from '@distillery/artifacts';
import type { CheckpointBf16 } from '@distillery/contracts';
import type { EvalRow } from '@distillery/evaluation';

/**
 * A version the deploy gate can measure, stored as the curator and the trainer store theirs: a
 * dataset manifest with `eval.jsonl` holding `rows`, and a checkpoint manifest naming it in
 * `attributes.dataset` (no weights: the gate's tests stand in for the engines), distilled from
 * the packaged base `basePreset` when given. Returns the checkpoints.bf16 message.
 */
export async function storeGatedCheckpoint(store: ArtifactStore, ids: { readonly modelId: string; readonly checkpointId: string; readonly datasetId?: string; readonly basePreset?: string }, rows: readonly EvalRow[]): Promise<CheckpointBf16> {
  const datasetId = ids.datasetId ?? 'ds_gate';
  const dataset = await storeDatasetRows(store, { eval: rows }, { id: datasetId, createdBy: 'curator' });
  const weights = await store.put(`weights of ${ids.checkpointId}`, { kind: 'safetensors' });
  const manifest = await store.putManifest({
    id: ids.checkpointId,
    kind: 'checkpoint',
    createdAt: new Date().toISOString(),
    createdBy: 'trainer',
    files: { 'model.safetensors': weights },
    parents: [{ kind: 'dataset', id: datasetId, sha256: dataset.manifest.sha256 }],
    attributes: { modelId: ids.modelId, dataset: { datasetId, version: 1, manifest: dataset.manifest } },
  });
  const base = ids.basePreset ? { base: { model: 'HuggingFaceTB/SmolLM2-135M-Instruct', license: 'Apache-2.0', sha256: 'b'.repeat(64), preset: ids.basePreset } } : {};
  return { modelId: ids.modelId, checkpointId: ids.checkpointId, manifest, weights, stages: [], lineage: { campaignId: 'camp_gate', datasetId, checkpointId: ids.checkpointId, parentEventIds: ['evt_dataset'] }, ...base };
}
