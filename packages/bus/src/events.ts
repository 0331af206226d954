import { decodeEvent, encodeEvent, type EventEnvelope, type MessageContract } from '@distillery/contracts';
import type { z } from 'zod';
import type { Bus, BusRecord, SubscribeOptions, Subscription } from './bus.port.js';

export interface PublishEventOptions {
  readonly source: string;
  readonly maxBytes?: number;
}

/** Validates each message against its contract and publishes them; nothing is sent if any is invalid. */
export async function publishEvents<S extends z.ZodType>(
  bus: Bus,
  contract: MessageContract<S>,
  messages: readonly z.input<S>[],
  options: PublishEventOptions,
): Promise<string[]> {
  const wire = messages.map((data) => encodeEvent(contract, data, options));
  await bus.publish(contract.topic, wire);
  return wire.map((message) => message.headers['distillery-event-id'] as string);
}

export type EventHandler<T> = (event: EventEnvelope<T>, record: BusRecord) => Promise<void>;

/** A decoded record of a batch. */
export interface DeliveredEvent<T> {
  readonly event: EventEnvelope<T>;
  readonly record: BusRecord;
}

/** Takes a partition's ready events as one unit (one transaction): every effect applied, or none. */
export type EventBatchHandler<T> = (events: readonly DeliveredEvent<T>[]) => Promise<void>;

export type SubscribeEventsOptions<T> = Omit<SubscribeOptions, 'topics' | 'handler' | 'batchHandler'> &
  (
    | { readonly handler: EventHandler<T>; readonly batchHandler?: undefined }
    /** Batches only: a batch that fails goes again one event at a time, each a batch of one. */
    | { readonly batchHandler: EventBatchHandler<T>; readonly handler?: undefined }
  );

/**
 * Subscribes to one contract's topic with a handler per event or per batch; records that do not
 * decode and validate are dead-lettered with the reason (in a batch, the batch goes again record by
 * record and only that one is dead-lettered).
 */
export function subscribeEvents<S extends z.ZodType>(
  bus: Bus,
  contract: MessageContract<S>,
  options: SubscribeEventsOptions<z.infer<S>>,
): Promise<Subscription> {
  const maxBytes = options.maxMessageBytes ?? bus.maxMessageBytes;
  const decode = (record: BusRecord): DeliveredEvent<z.infer<S>> => ({ event: decodeEvent(contract, record.value, maxBytes), record });
  const { handler: eventHandler, batchHandler: eventBatchHandler, ...rest } = options;
  const handler = eventHandler
    ? (record: BusRecord) => eventHandler(decodeEvent(contract, record.value, maxBytes), record)
    : (record: BusRecord) => eventBatchHandler!([decode(record)]);
  return bus.subscribe({
    ...rest,
    topics: [contract.topic],
    handler,
    ...(eventBatchHandler ? { batchHandler: (records: readonly BusRecord[]) => eventBatchHandler(records.map(decode)) } : {}),
  });
}
