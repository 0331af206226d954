import { DatasetReadyRecorder, type DatasetReadyRecorderOptions } from '@distillery/jobs';
import type { DrafterPart } from '../datasets/dataset-catalog.js';

/** The drafter's consumer group for datasets (its own: a group follows one topic). */
export const DRAFTER_DATASETS_GROUP = 'drafter-datasets';

/**
 * Records each datasets.ready event — where the version's eagle and eval parts are — exactly once:
 * a checkpoint trained on that version names the event in its lineage, and its drafter job reads
 * those parts. A job waiting for its dataset can run once it is recorded (`onRecorded`).
 */
export function datasetReadyConsumer(options: Omit<DatasetReadyRecorderOptions<DrafterPart>, 'recordedMessage'>): DatasetReadyRecorder<DrafterPart> {
  return new DatasetReadyRecorder({ ...options, recordedMessage: 'dataset version recorded: checkpoints trained on it can be drafted for' });
}
