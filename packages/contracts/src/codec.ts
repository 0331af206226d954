import { activeTraceHeaders } from './trace-headers.js';
import type { z } from 'zod';
import type { MessageContract } from './contract.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type EventEnvelope, envelopeSchema, HEADERS } from './envelope.js';
import { InvalidEventIdError } from './errors/invalid-event-id.error.js';
import { isEventId, newEventId } from './event-id.js';
import { MessageTooLargeError } from './errors/message-too-large.error.js';
import { PoisonMessageError } from './errors/poison-message.error.js';
import { SchemaViolationError } from './errors/schema-violation.error.js';

/** A message ready for any bus: key, JSON value and string headers. */
export interface WireMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface EncodeOptions {
  /** The producing service, recorded as the envelope's `source`. */
  readonly source: string;
  /** A fixed event id, a UUID (e.g. from `eventIdFor`); a fresh UUID otherwise. */
  readonly id?: string;
  readonly time?: Date;
  readonly maxBytes?: number;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

/** Validates `data` against its contract and wraps it in an envelope; throws before anything is sent. */
export function encodeEvent<S extends z.ZodType>(contract: MessageContract<S>, data: z.input<S>, options: EncodeOptions): WireMessage {
  const parsed = contract.schema.safeParse(data);
  if (!parsed.success) throw new SchemaViolationError(contract.topic, formatIssues(parsed.error));
  if (options.id !== undefined && !isEventId(options.id)) throw new InvalidEventIdError(contract.topic, options.id);
  const envelope: EventEnvelope<z.infer<S>> = {
    id: options.id ?? newEventId(),
    type: contract.topic,
    version: contract.version,
    time: (options.time ?? new Date()).toISOString(),
    source: options.source,
    data: parsed.data,
  };
  const value = JSON.stringify(envelope);
  const limit = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only a value that long needs its bytes counted.
  if (value.length * 3 > limit) {
    const bytes = Buffer.byteLength(value);
    if (bytes > limit) throw new MessageTooLargeError(contract.topic, bytes, limit);
  }
  return {
    key: contract.key(parsed.data),
    value,
    headers: {
      [HEADERS.eventId]: envelope.id,
      [HEADERS.type]: envelope.type,
      [HEADERS.version]: String(envelope.version),
      [HEADERS.contentType]: 'application/json',
      ...activeTraceHeaders(),
    },
  };
}

/** Parses and validates a consumed value; throws PoisonMessageError naming what is wrong. */
export function decodeEvent<S extends z.ZodType>(
  contract: MessageContract<S>,
  value: Buffer | string | null,
  maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): EventEnvelope<z.infer<S>> {
  if (value === null) throw new PoisonMessageError('not-json', 'message has no value');
  const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (bytes > maxBytes) throw new PoisonMessageError('too-large', `${bytes} bytes, over the ${maxBytes}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    throw new PoisonMessageError('not-json', (error as Error).message);
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new PoisonMessageError('not-an-envelope', formatIssues(envelope.error).join('; '));
  if (envelope.data.type !== contract.topic) {
    throw new PoisonMessageError('wrong-type', `expected ${contract.topic}, got ${envelope.data.type}`);
  }
  if (envelope.data.version !== contract.version) {
    throw new PoisonMessageError('unsupported-version', `this consumer reads ${contract.topic} v${contract.version}, got v${envelope.data.version}`);
  }
  const data = contract.schema.safeParse(envelope.data.data);
  if (!data.success) throw new PoisonMessageError('schema-invalid', formatIssues(data.error).join('; '));
  return { ...envelope.data, data: data.data };
}
