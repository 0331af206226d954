import type { BusRecord } from '@distillery/bus';
import { type DatasetReady, type EventEnvelope } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { Logger } from 'pino';
import type { DatasetCatalog, DatasetPart } from './dataset-catalog.js';

export interface DatasetReadyRecorderOptions<Part extends DatasetPart> {
  /** The service's inbox for its datasets.ready consumer group: each event is recorded once. */
  readonly inbox: Inbox;
  readonly datasets: DatasetCatalog<Part>;
  readonly logger: Logger;
  /** The log line of a version just recorded: what its jobs can now do. */
  readonly recordedMessage: string;
  /** A version was recorded: a job waiting for it can run. */
  readonly onRecorded: () => void;
}

/**
 * Records each datasets.ready event — where the version's parts the service reads are — exactly once
 * (the event id goes into the inbox in the same transaction): a checkpoint trained on that version
 * names the event in its lineage, and the service's jobs read those parts. A job waiting for its
 * dataset can run once it is recorded (`onRecorded`). The drafter and the quantizer record with it.
 */
export class DatasetReadyRecorder<Part extends DatasetPart> {
  constructor(private readonly options: DatasetReadyRecorderOptions<Part>) {}

  /** Handles one datasets.ready event, exactly once through the inbox (the service's events controller hands it over). */
  async handle(event: EventEnvelope<DatasetReady>, record: BusRecord): Promise<void> {
    const { inbox, datasets, logger } = this.options;
    const dataset = event.data;
    const outcome = await inbox.handleOnce(record, (manager) => datasets.record(manager, dataset, event.id));
    const counts = Object.fromEntries(datasets.options.parts.map((part) => [part, dataset.counts[part]]));
    const log = { eventId: event.id, datasetId: dataset.datasetId, datasetVersion: dataset.version, ...counts };
    if (outcome.duplicate || !outcome.result) {
      logger.info(log, 'datasets.ready event recorded before');
      return;
    }
    logger.info(log, this.options.recordedMessage);
    this.options.onRecorded();
  }
}
