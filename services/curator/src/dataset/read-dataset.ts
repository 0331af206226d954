import type { ArtifactStore } from '@distillery/artifacts';
import type { DatasetReady } from '@distillery/contracts';
import { type DatasetPart, type DatasetRows, EVAL_HELDOUT } from './dataset-rows.js';
import { fromJsonl } from './jsonl.js';

/**
 * Every part of an announced dataset, read from the artifact store (each file's sha256 verified);
 * a part not announced reads as empty (so does `eval-heldout` of a producer before it).
 */
export async function readDatasetRows(store: ArtifactStore, dataset: Pick<DatasetReady, 'parts' | 'evalHeldOut'>): Promise<DatasetRows> {
  const part = async <K extends DatasetPart>(name: K): Promise<DatasetRows[K]> => {
    const ref = dataset.parts[name];
    return (ref ? fromJsonl((await store.get(ref)).toString('utf8')) : []) as DatasetRows[K];
  };
  const heldOut = dataset.evalHeldOut ? (fromJsonl((await store.get(dataset.evalHeldOut.part)).toString('utf8')) as DatasetRows[typeof EVAL_HELDOUT]) : [];
  return { cpt: await part('cpt'), sft: await part('sft'), dpo: await part('dpo'), eagle: await part('eagle'), calibration: await part('calibration'), eval: await part('eval'), [EVAL_HELDOUT]: heldOut };
}
