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

export interface SubscribeEventsOptions<T> extends Omit<SubscribeOptions, 'topics' | 'handler'> {
  readonly handler: EventHandler<T>;
}

/** Subscribes to one contract's topic; records that do not decode and validate are dead-lettered with the reason. */
export function subscribeEvents<S extends z.ZodType>(
  bus: Bus,
  contract: MessageContract<S>,
  options: SubscribeEventsOptions<z.infer<S>>,
): Promise<Subscription> {
  return bus.subscribe({
    ...options,
    topics: [contract.topic],
    handler: (record) => options.handler(decodeEvent(contract, record.value, options.maxMessageBytes ?? bus.maxMessageBytes), record),
  });
}
