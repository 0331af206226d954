import type { ArtifactStore } from '@distillery/artifacts';
import type { ArtifactRef } from '@distillery/contracts';
import type { CheckpointBf16 } from '@distillery/contracts';
import { type EvalRow, readEvalRows } from '@distillery/evaluation';
import { GateInputError } from './gate.errors.js';

/** Where a version's held-out rows come from: the dataset it was trained on. */
export interface GateDataset {
  readonly datasetId: string;
  readonly version: number | null;
  readonly manifest: ArtifactRef;
  /** Its held-out rows in the file, before `limit` picked some. */
  readonly evalRows: number;
}

/** The eval part's name in a dataset manifest (the curator's). */
const EVAL_FILE = 'eval.jsonl';

/**
 * The held-out rows the gate decodes a version on: the eval part of the dataset the checkpoint was
 * trained on (its manifest's `attributes.dataset.manifest`, read from the artifact store and
 * verified), at most `limit` of them, taken from each agent in turn in file order so that every
 * agent is measured and the same checkpoint always gets the same rows. Throws GateInputError when
 * the checkpoint names no dataset, or its dataset has no eval part or no usable row.
 */
export async function readGateRows(artifacts: ArtifactStore, checkpoint: CheckpointBf16, limit: number): Promise<{ rows: EvalRow[]; dataset: GateDataset }> {
  const manifest = await artifacts.getManifest(checkpoint.manifest);
  const named = (manifest.attributes?.dataset ?? undefined) as { datasetId?: string; version?: number; manifest?: ArtifactRef } | undefined;
  if (!named?.manifest) throw new GateInputError(`checkpoint ${checkpoint.checkpointId}: its manifest names no dataset (attributes.dataset.manifest), so there are no held-out rows to gate it on`);
  const datasetManifest = await artifacts.getManifest(named.manifest);
  const part = datasetManifest.files[EVAL_FILE];
  if (!part) throw new GateInputError(`dataset ${datasetManifest.id}: no ${EVAL_FILE} part (parts: ${Object.keys(datasetManifest.files).join(', ')})`);
  let all: EvalRow[];
  try {
    all = readEvalRows((await artifacts.get(part)).toString('utf8'));
  } catch (error) {
    throw new GateInputError(`dataset ${datasetManifest.id}: ${EVAL_FILE}: ${(error as Error).message}`);
  }
  if (all.length === 0) throw new GateInputError(`dataset ${datasetManifest.id}: ${EVAL_FILE} has no rows`);
  return {
    rows: eachAgentInTurn(all, limit),
    dataset: { datasetId: named.datasetId ?? datasetManifest.id, version: named.version ?? null, manifest: named.manifest, evalRows: all.length },
  };
}

/** Up to `limit` rows, one of each agent in turn (agents in order of first appearance), in file order within an agent. */
export function eachAgentInTurn(rows: readonly EvalRow[], limit: number): EvalRow[] {
  const byAgent = new Map<string, EvalRow[]>();
  for (const row of rows) byAgent.set(row.agent, [...(byAgent.get(row.agent) ?? []), row]);
  const queues = [...byAgent.values()];
  const picked: EvalRow[] = [];
  for (let depth = 0; picked.length < limit && queues.some((queue) => queue.length > depth); depth++) {
    for (const queue of queues) if (queue[depth] && picked.length < limit) picked.push(queue[depth]!);
  }
  return picked;
}
