import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import type { Bus, BusRecord, SubscribeOptions, Subscription } from '@distillery/bus';
import { type BusContext, BusEventPattern, BusTransport } from './bus-transport.js';

/**
 * A Bus whose `subscribe` goes through the NestJS transport: each subscription is a Nest
 * microservice whose one controller has a `@BusEventPattern` handler calling the options' handler
 * (or batch handler). The bus contract suite runs through it to prove the transport keeps every
 * promise of the port. For tests.
 */
export function throughNestTransport(bus: Bus): Bus {
  const apps = new Set<{ close(): Promise<void> }>();
  const subscribe = async (options: SubscribeOptions): Promise<Subscription> => {
    if (options.topics.length !== 1) throw new Error('one topic per handler');
    const { batchHandler, handler } = options;
    @Controller()
    class SubscriptionController {
      @BusEventPattern(options.topics[0]!, {
        group: options.groupId,
        batch: Boolean(batchHandler),
        ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
      })
      handle(@Payload() data: BusRecord | readonly BusRecord[], @Ctx() context: BusContext): Promise<void> {
        return batchHandler ? batchHandler(context.records) : handler(data as BusRecord);
      }
    }
    @Module({ controllers: [SubscriptionController] })
    class SubscriptionModule {}
    const app = await NestFactory.createMicroservice(SubscriptionModule, { strategy: new BusTransport(bus, {}), logger: false });
    await app.listen();
    apps.add(app);
    return {
      groupId: options.groupId,
      stop: async () => {
        if (apps.delete(app)) await app.close();
      },
    };
  };
  return {
    adapter: bus.adapter,
    maxMessageBytes: bus.maxMessageBytes,
    ensureTopics: (topics) => bus.ensureTopics(topics),
    publish: (topic, records) => bus.publish(topic, records),
    health: () => bus.health(),
    subscribe,
    close: async () => {
      await Promise.all([...apps].map((app) => app.close()));
      apps.clear();
      await bus.close();
    },
  };
}
