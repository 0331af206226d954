import type { ArtifactStore } from '@distillery/artifacts';
import type { DatasetReady } from '@distillery/contracts';
import type { DatasetRows } from './dataset-rows.js';
import { fromJsonl } from './jsonl.js';

/** Every part of an announced dataset, read from the artifact store (each file's sha256 verified); a part not announced reads as empty. */
export async function readDatasetRows(store: ArtifactStore, dataset: Pick<DatasetReady, 'parts'>): Promise<DatasetRows> {
  const part = async <K extends keyof DatasetRows>(name: K): Promise<DatasetRows[K]> => {
    const ref = dataset.parts[name];
    return (ref ? fromJsonl((await store.get(ref)).toString('utf8')) : []) as DatasetRows[K];
  };
  return { cpt: await part('cpt'), sft: await part('sft'), dpo: await part('dpo'), eagle: await part('eagle'), calibration: await part('calibration'), eval: await part('eval') };
}
