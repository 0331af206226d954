import { encodeEvent, type EncodeOptions, HEADERS, type MessageContract, type WireMessage } from '@distillery/contracts';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import { quoteIdent } from './database.js';

/**
 * Writes events in the caller's transaction, next to the rows they describe: both commit or
 * neither does. The OutboxRelay publishes them afterwards, in order.
 */
export class Outbox {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.outbox`;
  }

  /** Validates `data` against its contract and stores it for publishing; returns the event id. */
  async enqueue<S extends z.ZodType>(manager: EntityManager, contract: MessageContract<S>, data: z.input<S>, options: EncodeOptions): Promise<string> {
    return this.enqueueWire(manager, contract.topic, encodeEvent(contract, data, options));
  }

  async enqueueWire(manager: EntityManager, topic: string, message: WireMessage): Promise<string> {
    const row = outboxRow(topic, message);
    await manager.query(`INSERT INTO ${this.table} (event_id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)`, row);
    return row[0];
  }

  /**
   * The enqueue as an `INSERT … SELECT … FROM from RETURNING event_id` for a caller that folds its
   * rows and the event into one statement (one round trip, atomic without a transaction): the
   * event is written only when `from`, a CTE of that statement, yields a row. Its parameters are
   * numbered from `$firstParam`.
   */
  enqueueStatement<S extends z.ZodType>(contract: MessageContract<S>, data: z.input<S>, options: EncodeOptions, from: string, firstParam: number): { sql: string; params: unknown[] } {
    const params = outboxRow(contract.topic, encodeEvent(contract, data, options));
    const placeholders = params.map((_, index) => `$${firstParam + index}`).join(', ');
    return { sql: `INSERT INTO ${this.table} (event_id, topic, key, value, headers) SELECT ${placeholders} FROM ${from} RETURNING event_id`, params };
  }
}

function outboxRow(topic: string, message: WireMessage): [eventId: string, topic: string, key: string, value: string, headers: string] {
  const eventId = message.headers[HEADERS.eventId];
  if (!eventId) throw new Error(`outbox message for ${topic} has no ${HEADERS.eventId} header`);
  return [eventId, topic, message.key, message.value, JSON.stringify(message.headers)];
}
