import { EmbeddedBus } from '@distillery/bus';
import { busContractSuite, eventually } from '@distillery/bus/testing';
import { DLQ_HEADERS, dlqOf, type EventEnvelope, type TraceRaw, traceRawContract } from '@distillery/contracts';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BusClient } from './bus-client.js';
import { type BusContext, BusEventPattern, BusTransport } from './bus-transport.js';
import { throughNestTransport } from './transport-bus.js';

describe('the bus contract through the NestJS transport (@BusEventPattern handlers, embedded bus)', () => {
  busContractSuite('nest-embedded', async () => {
    const bus = new EmbeddedBus({ partitions: 3 });
    return { bus: throughNestTransport(bus), readAll: async (topic) => bus.read(topic) };
  });
});

describe('BusTransport and BusClient in a Nest app', () => {
  const seen: Array<{ conversationId: string; offset: string }> = [];
  let failures = 0;

  @Controller()
  class TracesController {
    @BusEventPattern(traceRawContract, { group: 'transport-test', retry: { attempts: 2, initialBackoffMs: 5, maxBackoffMs: 10 } })
    raw(@Payload() event: EventEnvelope<TraceRaw>, @Ctx() context: BusContext): void {
      if (event.data.conversationId === 'broken') {
        failures++;
        throw new RangeError('this conversation cannot be handled');
      }
      seen.push({ conversationId: event.data.conversationId, offset: context.record.offset });
    }

    @BusEventPattern(traceRawContract, { group: 'never-joined', consumesWhen: (env) => env.JOIN === 'yes' })
    skipped(): void {
      throw new Error('a handler whose consumesWhen is false must not be called');
    }
  }
  @Module({ controllers: [TracesController] })
  class TracesModule {}

  it('delivers decoded events with their record, dead-letters a handler\'s error with its own message, skips what consumesWhen rules out, and publishes through BusClient', async () => {
    const bus = new EmbeddedBus({ partitions: 3 });
    await bus.ensureTopics(['traces.raw', 'traces.raw.dlq']);
    const app = await NestFactory.createMicroservice(TracesModule, { strategy: new BusTransport(bus, { JOIN: 'no' }), logger: false });
    await app.listen();
    const client = new BusClient(bus, 'transport-test');
    const ids = await lastValueFrom(client.emit('traces.raw', { ...traceRawContract.example, conversationId: 'ok-1' }));
    expect(ids).toHaveLength(1);
    await lastValueFrom(client.emit('traces.raw', { ...traceRawContract.example, conversationId: 'broken' }));
    await lastValueFrom(client.emit('traces.raw', { ...traceRawContract.example, conversationId: 'ok-2' }));
    await eventually(() => seen.length === 2 && bus.read(dlqOf('traces.raw')).length === 1, 'two handled, one dead-lettered');
    expect(seen.map((one) => one.conversationId).sort()).toEqual(['ok-1', 'ok-2']);
    const [dead] = bus.read(dlqOf('traces.raw'));
    expect(dead!.headers[DLQ_HEADERS.reason]).toBe('handler-failed');
    expect(dead!.headers[DLQ_HEADERS.error]).toMatch(/RangeError: this conversation cannot be handled/);
    expect(dead!.headers[DLQ_HEADERS.consumerGroup]).toBe('transport-test');
    expect(failures).toBe(2);

    await expect(lastValueFrom(client.emit('traces.raw', { conversationId: 'no schema' }))).rejects.toThrow(/traces\.raw/);
    await expect(lastValueFrom(client.emit('traces.nope', {}))).rejects.toThrow(/no contract for topic "traces.nope"/);
    await expect(lastValueFrom(client.send('traces.raw', {}))).rejects.toThrow(/events only/);
    expect(bus.read('traces.raw')).toHaveLength(3);
    await app.close();
    await bus.close();
  });

  it('refuses a handler without its topic and group', async () => {
    @Controller()
    class Bare {
      @BusEventPattern('traces.raw', { group: '' })
      handle(): void {}
    }
    @Module({ controllers: [Bare] })
    class BareModule {}
    const bus = new EmbeddedBus();
    await bus.ensureTopics(['traces.raw']);
    const app = await NestFactory.createMicroservice(BareModule, { strategy: new BusTransport(bus, {}), logger: false });
    await expect(app.listen()).rejects.toThrow(/topic and consumer group/);
    await app.close();
  });
});
