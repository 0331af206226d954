import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from './codec.js';
import { InvalidEventIdError } from './errors/invalid-event-id.error.js';
import { eventIdFor, isEventId } from './event-id.js';
import { MessageTooLargeError } from './errors/message-too-large.error.js';
import { PoisonMessageError } from './errors/poison-message.error.js';
import { SchemaViolationError } from './errors/schema-violation.error.js';
import { CONTRACTS } from './registry.js';
import { traceRawContract } from './messages/traces-raw.message.js';
import { datasetReadyContract } from './messages/datasets-ready.message.js';
import { TOPICS } from './topics.js';

function poisonReason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof PoisonMessageError) return error.reason;
    throw error;
  }
  throw new Error('expected a PoisonMessageError');
}

describe('codec', () => {
  it.each(TOPICS)('round-trips the documented example of %s', (topic) => {
    const contract = CONTRACTS[topic];
    const wire = encodeEvent(contract, contract.example, { source: 'test' });
    const event = decodeEvent(contract, Buffer.from(wire.value));
    expect(event.type).toBe(topic);
    expect(event.data).toEqual(contract.example);
    expect(wire.key).toBe(contract.key(contract.example));
    expect(wire.headers['distillery-event-id']).toBe(event.id);
  });

  it('keys traces by conversation id', () => {
    expect(encodeEvent(traceRawContract, traceRawContract.example, { source: 't' }).key).toBe('conv_01J9Z3');
  });

  it('refuses to produce schema-invalid data, naming the field', () => {
    const bad = { ...traceRawContract.example, source: 'elsewhere' } as unknown as typeof traceRawContract.example;
    expect(() => encodeEvent(traceRawContract, bad, { source: 't' })).toThrow(SchemaViolationError);
    expect(() => encodeEvent(traceRawContract, bad, { source: 't' })).toThrow(/source/);
  });

  it('refuses to produce a message over the size limit', () => {
    expect(() => encodeEvent(traceRawContract, traceRawContract.example, { source: 't', maxBytes: 100 })).toThrow(MessageTooLargeError);
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const euros = { ...traceRawContract.example, reply: '€'.repeat(2_000) };
    const characters = encodeEvent(traceRawContract, euros, { source: 't' }).value.length;
    // Under the limit in characters, over it in bytes (each euro sign is three).
    expect(() => encodeEvent(traceRawContract, euros, { source: 't', maxBytes: characters + 100 })).toThrow(MessageTooLargeError);
    expect(encodeEvent(traceRawContract, euros, { source: 't', maxBytes: characters + 4_100 }).value).toContain('€€€');
  });

  it('names why a consumed message is poison', () => {
    const good = encodeEvent(datasetReadyContract, datasetReadyContract.example, { source: 't' }).value;
    expect(poisonReason(() => decodeEvent(datasetReadyContract, null))).toBe('not-json');
    expect(poisonReason(() => decodeEvent(datasetReadyContract, '{nope'))).toBe('not-json');
    expect(poisonReason(() => decodeEvent(datasetReadyContract, '{"hello":1}'))).toBe('not-an-envelope');
    expect(poisonReason(() => decodeEvent(traceRawContract, good))).toBe('wrong-type');
    expect(poisonReason(() => decodeEvent(datasetReadyContract, good.replace('"version":1', '"version":9')))).toBe('unsupported-version');
    expect(poisonReason(() => decodeEvent(datasetReadyContract, good.replace('"datasetId":"ds_dealership"', '"datasetId":""')))).toBe('schema-invalid');
    expect(poisonReason(() => decodeEvent(datasetReadyContract, good, 10))).toBe('too-large');
  });
});

describe('event ids', () => {
  it('refuses a producer id that is not a UUID, as docs/messages.md promises', () => {
    const contract = CONTRACTS['campaigns.completed'];
    expect(() => encodeEvent(contract, contract.example, { source: 'test', id: 'camp_1.completed' })).toThrow(InvalidEventIdError);
    const id = eventIdFor('campaigns.completed', 'camp_1');
    expect(isEventId(id)).toBe(true);
    expect(encodeEvent(contract, contract.example, { source: 'test', id }).headers['distillery-event-id']).toBe(id);
  });

  it('derives the same UUID from the same name, another from another', () => {
    expect(eventIdFor('campaigns.completed', 'camp_1')).toBe(eventIdFor('campaigns.completed', 'camp_1'));
    expect(eventIdFor('campaigns.completed', 'camp_1')).not.toBe(eventIdFor('campaigns.completed', 'camp_2'));
    expect(eventIdFor('campaigns.completed', 'camp_1')).not.toBe(eventIdFor('traces.refined', 'camp_1'));
    expect(eventIdFor('x', 'y')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
