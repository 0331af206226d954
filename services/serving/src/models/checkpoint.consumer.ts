import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import { checkpointBf16Contract } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { Logger } from 'pino';
import type { ModelCatalog } from './model-catalog.js';

/** The serving consumer group: the catalog is shared, so one replica records each announcement. */
export const SERVING_GROUP = 'serving';

/**
 * Records each checkpoints.bf16 announcement in the model catalog, exactly once (the event id goes
 * into the inbox in the same transaction); loading it is the router's job, not the handler's.
 */
export class CheckpointConsumer {
  private subscription: Subscription | undefined;

  constructor(
    private readonly options: {
      readonly bus: Bus;
      readonly inbox: Inbox;
      readonly catalog: ModelCatalog;
      readonly logger: Logger;
      readonly maxMessageBytes: number;
      /** A version was recorded (wake the router). */
      readonly onRecorded: () => void;
    },
  ) {}

  async start(): Promise<void> {
    const { bus, inbox, catalog, logger } = this.options;
    this.subscription = await subscribeEvents(bus, checkpointBf16Contract, {
      groupId: SERVING_GROUP,
      maxMessageBytes: this.options.maxMessageBytes,
      handler: async (event, record) => {
        const checkpoint = event.data;
        const outcome = await inbox.handleOnce(record, (manager) => catalog.record(manager, checkpoint, event.id));
        const log = { eventId: event.id, modelId: checkpoint.modelId, checkpointId: checkpoint.checkpointId };
        if (outcome.duplicate || !outcome.result) {
          logger.info(log, 'checkpoint announced before; recorded once');
          return;
        }
        logger.info(log, 'checkpoint recorded; loading it beside the version serving now');
        this.options.onRecorded();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
