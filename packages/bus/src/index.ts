/**
 * @distillery/bus — the message bus port and its two adapters, with retries and dead-lettering
 * in one shared place.
 *
 * ```ts
 * import { EmbeddedBus, KafkaBus, publishEvents, subscribeEvents } from '@distillery/bus';
 * import { allTopics, traceRawContract } from '@distillery/contracts';
 * const bus = process.env.DISTILLERY_KAFKA_BROKERS
 *   ? new KafkaBus({ brokers: process.env.DISTILLERY_KAFKA_BROKERS.split(','), clientId: 'judge' })
 *   : new EmbeddedBus();
 * await bus.ensureTopics(allTopics());
 * await subscribeEvents(bus, traceRawContract, { groupId: 'judge', handler: async (event) => console.log(event.data.turnId) });
 * await publishEvents(bus, traceRawContract, [traceRawContract.example], { source: 'agents' });
 * ```
 */
export { type BatchHandler, type Bus, type BusHealth, type DeadLetterObserver, type BusRecord, DEFAULT_MAX_BATCH, type OutgoingRecord, type RecordHandler, type SubscribeOptions, type Subscription, type TopicSpec } from './bus.port.js';
export { backoffMs, DEFAULT_RETRY_POLICY, sleep, type RetryPolicy } from './retry-policy.js';
export { PollLoop, type PollLoopOptions } from './poll-loop.js';
export { type BatchDelivery, DeliveryAbortedError, deliverInBatches, deliverWithDeadLetter, type DeliveryHooks } from './dead-letter.js';
export { deadLetterRecord, deadLetterValueBound, type DeadLetterFailure } from './dead-letter-record.js';
export { DEFAULT_STUCK_AFTER_MS, DeliveryWatch, type DeliveryWatchOptions, type StuckPartition } from './delivery-watch.js';
export { publishEvents, subscribeEvents, type DeliveredEvent, type EventBatchHandler, type EventHandler, type PublishEventOptions, type SubscribeEventsOptions } from './events.js';
export { partitionFor } from './partitioner.js';
export { UnknownTopicError } from './unknown-topic.error.js';
export { EmbeddedBus, type EmbeddedBusOptions } from './embedded/embedded-bus.js';
export { KafkaBus, type KafkaBusOptions, type KafkaSecurity } from './kafka/kafka-bus.js';
export type { BusLogger } from './kafka/kafka-logger.js';
