import { DatasetCatalog, type KnownDataset } from '@distillery/jobs';
import type { DataSource } from 'typeorm';

/** The parts of a dataset version the drafter job reads: the EAGLE prompts and the held-out prompts. */
export const DRAFTER_PARTS = ['eagle', 'eval'] as const;
export type DrafterPart = (typeof DRAFTER_PARTS)[number];

/** A dataset version as the drafter keeps it: where its manifest and its eagle and eval parts are. */
export type DrafterDataset = KnownDataset<DrafterPart>;

/** The dataset versions announced on datasets.ready, in drafter.datasets: a checkpoint's drafter job reads its version's parts. */
export class DrafterDatasetCatalog extends DatasetCatalog<DrafterPart> {
  constructor(dataSource: DataSource) {
    super(dataSource, { schema: 'drafter', parts: DRAFTER_PARTS });
  }
}
