import type { BusRecord } from '@distillery/bus';
import type { EventEnvelope } from '@distillery/contracts';
import type { Inbox } from '@distillery/storage';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { ModelCatalog } from './model-catalog.js';

export interface CatalogConsumerOptions {
  readonly inbox: Inbox;
  readonly catalog: ModelCatalog;
  readonly logger: Logger;
  /** An announcement was recorded (wake the router). */
  readonly onRecorded: () => void;
}

/**
 * Records each announcement on one topic in the model catalog, exactly once (the event id goes into
 * the inbox in the same transaction); loading what it announces is the router's job, not the
 * handler's. `ServingEventsController` hands the events over. A subclass names how an announcement
 * is recorded and what the log lines say.
 */
export abstract class CatalogConsumer<S extends z.ZodType> {
  constructor(private readonly options: CatalogConsumerOptions) {}

  /** The lines logged for an announcement recorded before, and for a new one. */
  protected abstract readonly lines: { readonly recordedBefore: string; readonly recorded: string };

  /** Records the announcement in the catalog in the inbox's transaction; false when it was recorded before. */
  protected abstract record(catalog: ModelCatalog, manager: EntityManager, data: z.infer<S>, eventId: string): Promise<boolean>;

  /** What the log lines name of the announcement besides its event id. */
  protected abstract logFields(data: z.infer<S>): Record<string, unknown>;

  /** Records one announcement, once per event id. */
  async handle(event: EventEnvelope<z.infer<S>>, record: BusRecord): Promise<void> {
    const { inbox, catalog, logger } = this.options;
    const outcome = await inbox.handleOnce(record, (manager) => this.record(catalog, manager, event.data, event.id));
    const log = { eventId: event.id, ...this.logFields(event.data) };
    if (outcome.duplicate || !outcome.result) {
      logger.info(log, this.lines.recordedBefore);
      return;
    }
    logger.info(log, this.lines.recorded);
    this.options.onRecorded();
  }
}
