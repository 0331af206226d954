import type { BusRecord } from '@distillery/bus';
import { HEADERS, storableText } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent } from './database.js';
import { preparedQuery } from './prepared-query.js';

export type InboxOutcome<T> = { readonly duplicate: true } | { readonly duplicate: false; readonly result: T };

/**
 * Exactly-once effects on an at-least-once bus: the event id is recorded in the same transaction
 * as the effect, so a redelivered event finds its id and the effect is skipped.
 */
export class Inbox {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly consumerGroup: string,
  ) {
    this.table = `${quoteIdent(schema)}.inbox`;
  }

  /** Runs `effect` once per event id; the event id comes from the record's header (any producer's: stored with NUL and lone surrogates as U+FFFD). */
  async handleOnce<T>(record: BusRecord, effect: (manager: EntityManager) => Promise<T>): Promise<InboxOutcome<T>> {
    const header = record.headers[HEADERS.eventId];
    const eventId = header && storableText(header);
    if (!eventId) throw new Error(`record ${record.topic}/${record.partition}@${record.offset} has no ${HEADERS.eventId} header`);
    return this.dataSource.transaction(async (manager) => {
      // A concurrent duplicate blocks on the primary key until the first commits, then inserts nothing.
      const inserted = await preparedQuery(
        manager,
        `INSERT INTO ${this.table} (consumer_group, event_id, topic, partition, "offset") VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.consumerGroup, eventId, record.topic, record.partition, record.offset],
      );
      if (inserted.length === 0) return { duplicate: true } as const;
      return { duplicate: false, result: await effect(manager) } as const;
    });
  }
}
