import { DatasetReadyRecorder, type DatasetReadyRecorderOptions } from '@distillery/jobs';
import type { QuantizerPart } from '../catalog/dataset-catalog.js';

/** The quantizer's consumer group for datasets (its own: a group follows one topic). */
export const QUANTIZER_DATASETS_GROUP = 'quantizer-datasets';

/**
 * Records each datasets.ready event — where the version's calibration and eval parts are — exactly
 * once: a checkpoint trained on that version names the event in its lineage, and its quantize jobs
 * read those parts. A job waiting for its dataset can run once it is recorded (`onRecorded`).
 */
export function datasetReadyConsumer(options: Omit<DatasetReadyRecorderOptions<QuantizerPart>, 'recordedMessage'>): DatasetReadyRecorder<QuantizerPart> {
  return new DatasetReadyRecorder({ ...options, recordedMessage: 'dataset version recorded: checkpoints trained on it can be quantized' });
}
