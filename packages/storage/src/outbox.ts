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
    const eventId = message.headers[HEADERS.eventId];
    if (!eventId) throw new Error(`outbox message for ${topic} has no ${HEADERS.eventId} header`);
    await manager.query(`INSERT INTO ${this.table} (event_id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)`, [
      eventId,
      topic,
      message.key,
      message.value,
      JSON.stringify(message.headers),
    ]);
    return eventId;
  }
}
