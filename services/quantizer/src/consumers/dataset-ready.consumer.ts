import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import { datasetReadyContract } from '@distillery/contracts';
import type { Platform } from '@distillery/service-kit';
import type { Inbox } from '@distillery/storage';
import type { DatasetCatalog } from '../catalog/dataset-catalog.js';

/** The quantizer's consumer group for datasets (its own: a group follows one topic). */
export const QUANTIZER_DATASETS_GROUP = 'quantizer-datasets';

/**
 * Records each datasets.ready event — where the version's calibration and eval parts are — exactly
 * once (the event id goes into the inbox in the same transaction): a checkpoint trained on that
 * version names the event in its lineage, and its quantize jobs read those parts. A job waiting for
 * its dataset can run once it is recorded (`onRecorded`).
 */
export class DatasetReadyConsumer {
  private subscription: Subscription | undefined;

  constructor(
    private readonly options: {
      readonly bus: Bus;
      readonly inbox: Inbox;
      readonly datasets: DatasetCatalog;
      readonly logger: Platform['logger'];
      readonly maxMessageBytes: number;
      readonly onRecorded: () => void;
    },
  ) {}

  async start(): Promise<void> {
    const { bus, inbox, datasets, logger } = this.options;
    this.subscription = await subscribeEvents(bus, datasetReadyContract, {
      groupId: QUANTIZER_DATASETS_GROUP,
      maxMessageBytes: this.options.maxMessageBytes,
      handler: async (event, record) => {
        const dataset = event.data;
        const outcome = await inbox.handleOnce(record, (manager) => datasets.record(manager, dataset, event.id));
        const log = { eventId: event.id, datasetId: dataset.datasetId, datasetVersion: dataset.version, calibration: dataset.counts.calibration, eval: dataset.counts.eval };
        if (outcome.duplicate || !outcome.result) {
          logger.info(log, 'datasets.ready event recorded before');
          return;
        }
        logger.info(log, 'dataset version recorded: checkpoints trained on it can be quantized');
        this.options.onRecorded();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
