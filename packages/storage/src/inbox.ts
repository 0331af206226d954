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
    const eventId = eventIdOf(record);
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

  /**
   * A batch's effects in one transaction: the event ids of the items' records go into the inbox in
   * one statement, and `effect` gets the items seen for the first time (the first of any id
   * repeated in the batch), in order. A failing effect rolls the whole batch back, inbox rows included.
   */
  async handleBatch<I extends { readonly record: BusRecord }, T>(
    items: readonly I[],
    effect: (manager: EntityManager, fresh: readonly I[]) => Promise<T>,
  ): Promise<{ readonly fresh: readonly I[]; readonly result: T }> {
    const records = items.map((item) => item.record);
    const ids = records.map(eventIdOf);
    return this.dataSource.transaction(async (manager) => {
      const inserted = await preparedQuery<{ event_id: string }>(
        manager,
        `INSERT INTO ${this.table} (consumer_group, event_id, topic, partition, "offset")
         SELECT $1, event_id, topic, partition, "offset" FROM unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS batch (event_id, topic, partition, "offset")
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.consumerGroup, ids, records.map((record) => record.topic), records.map((record) => record.partition), records.map((record) => record.offset)],
      );
      const firstSeen = new Set(inserted.map((row) => row.event_id));
      const fresh = items.filter((_, index) => firstSeen.delete(ids[index]!));
      return { fresh, result: await effect(manager, fresh) };
    });
  }
}

function eventIdOf(record: BusRecord): string {
  const header = record.headers[HEADERS.eventId];
  const eventId = header && storableText(header);
  if (!eventId) throw new Error(`record ${record.topic}/${record.partition}@${record.offset} has no ${HEADERS.eventId} header`);
  return eventId;
}
