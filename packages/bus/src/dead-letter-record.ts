import { createHash } from 'node:crypto';
import { DEAD_LETTER_BOUNDS, DLQ_HEADERS } from '@distillery/contracts';
import type { BusRecord, OutgoingRecord } from './bus.port.js';

/** Why a record is dead-lettered, and by whom. */
export interface DeadLetterFailure {
  readonly reason: string;
  readonly error: string;
  readonly groupId: string;
  readonly attempts: number;
}

const { headroomBytes, valuePrefixBytes, keyBytes, headerBytes, headersBytes, errorChars } = DEAD_LETTER_BOUNDS;

/** The most of a record's value a dead letter keeps whole, under a bus that accepts `maxMessageBytes`. */
export function deadLetterValueBound(maxMessageBytes: number): number {
  return maxMessageBytes - Math.min(headroomBytes, Math.floor(maxMessageBytes / 4));
}

/**
 * The dead letter of `record`, always small enough to publish on a bus that accepts
 * `maxMessageBytes`: the original value whole when it fits the bound, else its first bytes; the
 * key and the original headers bounded too. The original's size and SHA-256, and its topic,
 * partition and offset, say what it was and where to fetch it whole; `dlq-truncated` names what
 * was cut. A record that came in over the limit (the broker counts compressed bytes) would
 * otherwise be refused as its own dead letter, and be redelivered forever.
 */
export function deadLetterRecord(record: BusRecord, failure: DeadLetterFailure, maxMessageBytes: number): OutgoingRecord {
  const original = record.value ?? Buffer.alloc(0);
  const bound = deadLetterValueBound(maxMessageBytes);
  const truncated: string[] = [];
  let value = original;
  if (original.length > bound) {
    value = original.subarray(0, Math.min(bound, valuePrefixBytes));
    truncated.push('value');
  }
  const key = cutUtf8(record.key ?? '', keyBytes);
  if (key !== (record.key ?? '')) truncated.push('key');
  const headers: Record<string, string> = {};
  let keptHeaderBytes = 0;
  for (const [name, text] of Object.entries(record.headers)) {
    const bytes = Buffer.byteLength(name) + Buffer.byteLength(text);
    if (bytes > headerBytes || keptHeaderBytes + bytes > headersBytes) {
      if (!truncated.includes('headers')) truncated.push('headers');
      continue;
    }
    headers[name] = text;
    keptHeaderBytes += bytes;
  }
  return {
    key,
    value,
    headers: {
      ...headers,
      [DLQ_HEADERS.reason]: failure.reason,
      [DLQ_HEADERS.error]: failure.error.slice(0, errorChars),
      [DLQ_HEADERS.sourceTopic]: record.topic,
      [DLQ_HEADERS.sourcePartition]: String(record.partition),
      [DLQ_HEADERS.sourceOffset]: record.offset,
      [DLQ_HEADERS.consumerGroup]: failure.groupId,
      [DLQ_HEADERS.attempts]: String(failure.attempts),
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      [DLQ_HEADERS.valueBytes]: String(original.length),
      [DLQ_HEADERS.valueSha256]: createHash('sha256').update(original).digest('hex'),
      [DLQ_HEADERS.truncated]: truncated.length ? truncated.join(',') : 'none',
    },
  };
}

/** `text`'s longest prefix of at most `maxBytes` UTF-8 bytes that does not split a character. */
function cutUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  const cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  // A character split at the cut decodes as one U+FFFD.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}
