import { DatasetCatalog, type KnownDataset } from '@distillery/jobs';
import type { DataSource } from 'typeorm';

/** The parts of a dataset version the quantize job reads: the calibration texts and the held-out rows. */
export const QUANTIZER_PARTS = ['calibration', 'eval'] as const;
export type QuantizerPart = (typeof QUANTIZER_PARTS)[number];

/** A dataset version as the quantizer keeps it: where its manifest and its calibration and eval parts are. */
export type QuantizerDataset = KnownDataset<QuantizerPart>;

/** The dataset versions announced on datasets.ready, in quantizer.datasets: a checkpoint's quantize jobs read its version's parts. */
export class QuantizerDatasetCatalog extends DatasetCatalog<QuantizerPart> {
  constructor(dataSource: DataSource) {
    super(dataSource, { schema: 'quantizer', parts: QUANTIZER_PARTS });
  }
}
