import { type Bus, subscribeEvents, type Subscription } from '@distillery/bus';
import type { MessageContract } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { ModelCatalog } from './model-catalog.js';

export interface CatalogConsumerOptions {
  readonly bus: Bus;
  readonly inbox: Inbox;
  readonly catalog: ModelCatalog;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
  /** An announcement was recorded (wake the router). */
  readonly onRecorded: () => void;
}

/**
 * Records each announcement on one topic in the model catalog, exactly once (the event id goes into
 * the inbox in the same transaction); loading what it announces is the router's job, not the
 * handler's. A subclass names the topic's contract, its consumer group, how an announcement is
 * recorded and what the log lines say.
 */
export abstract class CatalogConsumer<S extends z.ZodType> {
  private subscription: Subscription | undefined;

  constructor(private readonly options: CatalogConsumerOptions) {}

  protected abstract readonly contract: MessageContract<S>;
  protected abstract readonly groupId: string;
  /** The lines logged for an announcement recorded before, and for a new one. */
  protected abstract readonly lines: { readonly recordedBefore: string; readonly recorded: string };

  /** Records the announcement in the catalog in the inbox's transaction; false when it was recorded before. */
  protected abstract record(catalog: ModelCatalog, manager: EntityManager, data: z.infer<S>, eventId: string): Promise<boolean>;

  /** What the log lines name of the announcement besides its event id. */
  protected abstract logFields(data: z.infer<S>): Record<string, unknown>;

  async start(): Promise<void> {
    const { bus, inbox, catalog, logger } = this.options;
    this.subscription = await subscribeEvents(bus, this.contract, {
      groupId: this.groupId,
      maxMessageBytes: this.options.maxMessageBytes,
      handler: async (event, record) => {
        const outcome = await inbox.handleOnce(record, (manager) => this.record(catalog, manager, event.data, event.id));
        const log = { eventId: event.id, ...this.logFields(event.data) };
        if (outcome.duplicate || !outcome.result) {
          logger.info(log, this.lines.recordedBefore);
          return;
        }
        logger.info(log, this.lines.recorded);
        this.options.onRecorded();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
