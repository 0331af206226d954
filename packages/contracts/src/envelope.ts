import { z } from 'zod';

/**
 * What travels on the wire: a CloudEvents-like JSON envelope around the message data. `id` is
 * the event id consumers dedupe on; `type` is the topic; `version` the data schema version.
 */
export const envelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().min(1),
  time: z.string().min(1),
  source: z.string().min(1),
  data: z.unknown(),
});

export interface EventEnvelope<T = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly time: string;
  readonly source: string;
  readonly data: T;
}

/** Header names set on every message (Kafka headers; the embedded bus carries the same). */
export const HEADERS = {
  eventId: 'distillery-event-id',
  type: 'distillery-type',
  version: 'distillery-version',
  contentType: 'content-type',
} as const;

/** Headers added when a message is dead-lettered, next to the original headers. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  consumerGroup: 'dlq-consumer-group',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

/** 1 MiB, Kafka's default `message.max.bytes`. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;
