import { dlqOf, PoisonMessageError } from '@distillery/contracts';
import { type Bus, type BusRecord, type DeadLetterObserver, DEFAULT_MAX_BATCH, type RecordHandler, type SubscribeOptions } from './bus.port.js';
import { deadLetterRecord } from './dead-letter-record.js';
import type { DeliveryWatch } from './delivery-watch.js';
import type { BusLogger } from './kafka/kafka-logger.js';
import { backoffMs, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from './retry-policy.js';

export interface DeliveryHooks {
  /** Stops retrying early when the subscription drains; the record is then redelivered later. */
  readonly isStopping: () => boolean;
  readonly onDeadLetter?: DeadLetterObserver;
  /** Told of every failure on a record and of its delivery, so /health can name a stuck partition. */
  readonly watch?: DeliveryWatch;
  /** Where a record that goes back uncommitted (its dead letter could not be published) is reported. */
  readonly logger?: BusLogger;
}

/** Thrown inside a draining subscription to give a record back uncommitted (it is redelivered). */
export class DeliveryAbortedError extends Error {
  override readonly name = 'DeliveryAbortedError';
  constructor(record: BusRecord) {
    super(`delivery of ${record.topic}/${record.partition}@${record.offset} aborted by shutdown; it will be redelivered`);
  }
}

/**
 * The one place where retries and dead-lettering happen, shared by both adapters: a poison record
 * (too large, not JSON, schema-invalid) goes to `<topic>.dlq` at once; a handler that keeps
 * failing is retried with backoff, then dead-lettered. A dead letter is always small enough for
 * the bus to take (`deadLetterRecord`). The returned function resolves when the record may be
 * committed and throws only when it must be redelivered (DLQ unreachable, shutdown); every failure
 * goes to the watch, which reports the partition stuck if it lasts.
 */
export function deliverWithDeadLetter(bus: Bus, options: SubscribeOptions, hooks: DeliveryHooks): RecordHandler {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const maxBytes = options.maxMessageBytes ?? bus.maxMessageBytes;
  const { groupId } = options;

  const deadLetter = async (record: BusRecord, reason: string, error: string, attempts: number) => {
    await bus.publish(dlqOf(record.topic), [deadLetterRecord(record, { reason, error, groupId, attempts }, bus.maxMessageBytes)]);
    hooks.onDeadLetter?.(record, reason, error);
  };

  const deliver = async (record: BusRecord) => {
    const size = record.value?.length ?? 0;
    if (size > maxBytes) return deadLetter(record, 'too-large', `${size} bytes, over the ${maxBytes}-byte limit`, 0);
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handler(record);
        return;
      } catch (error) {
        if (error instanceof PoisonMessageError) return deadLetter(record, error.reason, error.message, attempt);
        hooks.watch?.failed(groupId, record, error);
        if (attempt >= policy.attempts) return deadLetter(record, 'handler-failed', String((error as Error)?.stack ?? error), attempt);
        if (hooks.isStopping()) throw new DeliveryAbortedError(record);
        await sleep(backoffMs(policy, attempt));
      }
    }
  };

  return async (record) => {
    try {
      await deliver(record);
    } catch (error) {
      if (error instanceof DeliveryAbortedError) throw error;
      hooks.watch?.failed(groupId, record, error);
      hooks.logger?.error(
        { groupId, topic: record.topic, partition: record.partition, offset: record.offset, error: String(error) },
        'record neither handled nor dead-lettered; it goes back uncommitted and everything behind it on the partition waits',
      );
      throw error;
    }
    hooks.watch?.delivered(groupId, record);
  };
}

/** Delivers consecutive records of one partition; `delivered` is told of each record that may be committed, in order. */
export type BatchDelivery = (records: readonly BusRecord[], delivered: (record: BusRecord) => void) => Promise<void>;

/**
 * How both adapters hand a partition's ready records to a subscription: in batches of up to
 * `maxBatch` through its `batchHandler` when it has one, else one by one. A batch that fails, or
 * that holds a record over the size limit, goes again record by record through
 * `deliverWithDeadLetter` (the handler's transaction rolled back, so nothing was applied): retries
 * and dead letters stay per record. Stops between records when the subscription drains; throws when
 * a record must be redelivered, after telling `delivered` of those before it.
 */
export function deliverInBatches(bus: Bus, options: SubscribeOptions, hooks: DeliveryHooks): { readonly maxBatch: number; readonly deliver: BatchDelivery } {
  const one = deliverWithDeadLetter(bus, options, hooks);
  const { batchHandler } = options;
  const maxBatch = batchHandler ? Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH) : 1;
  const maxBytes = options.maxMessageBytes ?? bus.maxMessageBytes;
  const deliver: BatchDelivery = async (records, delivered) => {
    if (batchHandler && records.length > 1 && records.every((record) => (record.value?.length ?? 0) <= maxBytes)) {
      try {
        await batchHandler(records);
        for (const record of records) {
          hooks.watch?.delivered(options.groupId, record);
          delivered(record);
        }
        return;
      } catch {
        // Nothing of the batch was applied: each record goes again alone, where a failure is retried or dead-lettered.
      }
    }
    for (const record of records) {
      if (hooks.isStopping()) return;
      await one(record);
      delivered(record);
    }
  };
  return { maxBatch, deliver };
}
