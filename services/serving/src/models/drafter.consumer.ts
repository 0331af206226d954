import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import { drafterReadyContract } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { Logger } from 'pino';
import type { ModelCatalog } from './model-catalog.js';

/** The serving consumer group for drafters (its own: a group follows one topic). */
export const SERVING_DRAFTERS_GROUP = 'serving-drafters';

/**
 * Records each drafters.ready announcement in the model catalog, exactly once (the event id goes
 * into the inbox in the same transaction); reloading the version with it is the router's job.
 */
export class DrafterConsumer {
  private subscription: Subscription | undefined;

  constructor(
    private readonly options: {
      readonly bus: Bus;
      readonly inbox: Inbox;
      readonly catalog: ModelCatalog;
      readonly logger: Logger;
      readonly maxMessageBytes: number;
      /** A drafter was recorded (wake the router). */
      readonly onRecorded: () => void;
    },
  ) {}

  async start(): Promise<void> {
    const { bus, inbox, catalog, logger } = this.options;
    this.subscription = await subscribeEvents(bus, drafterReadyContract, {
      groupId: SERVING_DRAFTERS_GROUP,
      maxMessageBytes: this.options.maxMessageBytes,
      handler: async (event, record) => {
        const drafter = event.data;
        const outcome = await inbox.handleOnce(record, (manager) => catalog.recordDrafter(manager, drafter, event.id));
        const log = { eventId: event.id, modelId: drafter.modelId, checkpointId: drafter.checkpointId, drafterId: drafter.drafterId, acceptanceLength: drafter.metrics.acceptanceLength };
        if (outcome.duplicate || !outcome.result) {
          logger.info(log, 'drafter announced before; recorded once');
          return;
        }
        logger.info(log, 'drafter recorded; its version is loaded with it beside the engine serving now');
        this.options.onRecorded();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
