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
  valueBytes: 'dlq-value-bytes',
  valueSha256: 'dlq-value-sha256',
  truncated: 'dlq-truncated',
} as const;

/**
 * How much of a failed record its dead letter keeps, so that the dead letter is always publishable
 * (docs/messages.md is generated from this; @distillery/bus applies it).
 */
export const DEAD_LETTER_BOUNDS = {
  /** Room left in the size limit for the key, the headers and the broker's record framing; at most a quarter of the limit. */
  headroomBytes: 32 * 1024,
  /** A value that cannot be kept whole is kept as a prefix of at most this many bytes. */
  valuePrefixBytes: 64 * 1024,
  keyBytes: 1024,
  /** Per original header, name and value together. */
  headerBytes: 1024,
  /** All original headers together. */
  headersBytes: 16 * 1024,
  errorChars: 4_000,
} as const;

/** What each dead-letter header holds (docs/messages.md is generated from this). */
export const DLQ_HEADER_MEANINGS: Readonly<Record<keyof typeof DLQ_HEADERS, string>> = {
  reason: 'why: `too-large`, `not-json`, `not-an-envelope`, `wrong-type`, `unsupported-version`, `schema-invalid` or `handler-failed`',
  error: `the error, its first ${DEAD_LETTER_BOUNDS.errorChars} characters`,
  sourceTopic: 'the topic the record was consumed from',
  sourcePartition: 'its partition there',
  sourceOffset: 'its offset there: with topic and partition, where to fetch the whole record while the topic retains it',
  consumerGroup: 'the consumer group that gave up on it',
  attempts: 'how often the handler ran (0: never, e.g. too large)',
  failedAt: 'when it was dead-lettered (ISO 8601, UTC)',
  valueBytes: 'the size of the original value in bytes',
  valueSha256: 'the SHA-256 of the original value (hex), to check a copy fetched from the source',
  truncated: 'what of the original was cut to keep the dead letter publishable: a comma-separated list of `value`, `key`, `headers`, or `none`',
};

/** 1 MiB, Kafka's default `message.max.bytes`. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;
