import { DEFAULT_MAX_MESSAGE_BYTES, DLQ_HEADERS, dlqOf, PoisonMessageError } from '@distillery/contracts';
import type { Bus, BusRecord, RecordHandler, SubscribeOptions } from './bus.port.js';
import { backoffMs, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from './retry-policy.js';

export interface DeliveryHooks {
  /** Stops retrying early when the subscription drains; the record is then redelivered later. */
  readonly isStopping: () => boolean;
  readonly onDeadLetter?: (record: BusRecord, reason: string, error: string) => void;
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
 * failing is retried with backoff, then dead-lettered. The returned function resolves when the
 * record may be committed and throws only when it must be redelivered (DLQ unreachable, shutdown).
 */
export function deliverWithDeadLetter(bus: Bus, options: SubscribeOptions, hooks: DeliveryHooks): RecordHandler {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;

  const deadLetter = async (record: BusRecord, reason: string, error: string, attempts: number) => {
    await bus.publish(dlqOf(record.topic), [
      {
        key: record.key ?? '',
        value: record.value ?? Buffer.alloc(0),
        headers: {
          ...record.headers,
          [DLQ_HEADERS.reason]: reason,
          [DLQ_HEADERS.error]: error.slice(0, 4_000),
          [DLQ_HEADERS.sourceTopic]: record.topic,
          [DLQ_HEADERS.sourcePartition]: String(record.partition),
          [DLQ_HEADERS.sourceOffset]: record.offset,
          [DLQ_HEADERS.consumerGroup]: options.groupId,
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.failedAt]: new Date().toISOString(),
        },
      },
    ]);
    hooks.onDeadLetter?.(record, reason, error);
  };

  return async (record) => {
    const size = record.value?.length ?? 0;
    if (size > maxBytes) return deadLetter(record, 'too-large', `${size} bytes, over the ${maxBytes}-byte limit`, 0);
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handler(record);
        return;
      } catch (error) {
        if (error instanceof PoisonMessageError) return deadLetter(record, error.reason, error.message, attempt);
        if (attempt >= policy.attempts) return deadLetter(record, 'handler-failed', String((error as Error)?.stack ?? error), attempt);
        if (hooks.isStopping()) throw new DeliveryAbortedError(record);
        await sleep(backoffMs(policy, attempt));
      }
    }
  };
}
