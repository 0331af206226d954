import { applyDecorators, type ArgumentsHost, Catch, type RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { BaseRpcContext, type CustomTransportStrategy, EventPattern, type MessageHandler, Server } from '@nestjs/microservices';
import { type Bus, type BusRecord, type RetryPolicy, subscribeEvents, type Subscription } from '@distillery/bus';
import type { MessageContract } from '@distillery/contracts';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom, type Observable, throwError } from 'rxjs';
import { contextFromCarrier, inSpan, SpanKind, spanContextOf } from '../tracing/tracing.js';

/** How a handler consumes its topic. */
export interface BusEventOptions {
  /** The consumer group: its members share the topic's partitions, and the inbox dedupes by it. */
  readonly group: string;
  /** One call per partition batch (`DeliveredEvent[]`, or `BusRecord[]` without a contract) instead of one per event. */
  readonly batch?: boolean;
  /** The most records one batch holds (default 500). */
  readonly maxBatch?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Records over this size are dead-lettered unhandled (default: the bus's limit). */
  readonly maxMessageBytes?: number;
  /** Consume only when this holds for the process's settings (serving in gateway mode records no versions, so it does not join the groups). */
  readonly consumesWhen?: (env: Readonly<Record<string, string | undefined>>) => boolean;
}

interface BusHandlerExtras extends BusEventOptions {
  readonly topic: string;
  /** Decode and validate against it (poison to the DLQ); without one the handler gets the raw records. */
  readonly contract?: MessageContract;
}

/** What a bus handler's second argument holds: the record (or the batch's records) it was called for. */
export class BusContext extends BaseRpcContext<[readonly BusRecord[]]> {
  get records(): readonly BusRecord[] {
    return this.getArgByIndex(0);
  }

  /** The record of a handler called per event (the first of a batch's). */
  get record(): BusRecord {
    return this.records[0]!;
  }
}

/**
 * Hands a handler's failure to the transport as it was thrown (Nest's default RPC filter would turn
 * it into "Internal server error"): the bus retries it and dead-letters it with its message.
 */
@Catch()
export class BusErrorPassThrough implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * A consumer, the NestJS way: `@EventPattern({ topic, group })` on a controller method, with the
 * contract that decodes the topic's events. The handler gets the event (`EventEnvelope`) and a
 * `BusContext`; with `batch: true`, the partition's ready events (`DeliveredEvent[]`) at once.
 * A rejection is a failed delivery, handed to the bus as thrown (`BusErrorPassThrough`): retried,
 * then dead-lettered with its message, as with `subscribeEvents`.
 *
 *   @BusEventPattern(traceRefinedContract, { group: 'curator-refined-traces', batch: true })
 *   stored(events: DeliveredEvent<TraceRefined>[]) { … }
 */
export function BusEventPattern(topic: MessageContract | string, options: BusEventOptions): MethodDecorator {
  const contract = typeof topic === 'string' ? undefined : topic;
  const name = typeof topic === 'string' ? topic : topic.topic;
  return applyDecorators(
    EventPattern({ topic: name, group: options.group }, { ...options, topic: name, ...(contract ? { contract } : {}) } satisfies BusHandlerExtras),
    UseFilters(BusErrorPassThrough),
  );
}

/**
 * The NestJS custom transport over our bus port (Kafka or embedded alike): every `@EventPattern`
 * handler of the app becomes a subscription, with the inbox-friendly delivery of the port —
 * per-partition order, commit after the handler, retries, dead letters, batches. `close` drains
 * every subscription (the record or batch in flight finishes and is committed).
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  private subscriptions: Subscription[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly log?: Logger,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const handler of this.getHandlers().values()) {
        if (!handler.isEventHandler) continue;
        const extras = handler.extras as BusHandlerExtras | undefined;
        if (!extras?.topic || !extras.group) throw new Error('a bus handler needs its topic and consumer group: use @BusEventPattern(contract, { group })');
        if (handler.next) throw new Error(`two handlers consume ${extras.topic} in group ${extras.group}`);
        if (extras.consumesWhen && !extras.consumesWhen(this.env)) continue;
        this.subscriptions.push(await this.subscribe(handler, extras));
        this.log?.info({ topic: extras.topic, group: extras.group, batch: extras.batch ?? false }, 'consuming');
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    this.stopping ??= Promise.all(this.subscriptions.map((subscription) => subscription.stop())).then(() => undefined);
    await this.stopping;
  }

  on(): never {
    throw new Error('the bus transport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private subscribe(handler: MessageHandler, extras: BusHandlerExtras): Promise<Subscription> {
    const { group, batch, maxBatch, retry, maxMessageBytes, contract, topic } = extras;
    const attributes = { 'messaging.system': this.bus.adapter, 'messaging.destination.name': topic, 'messaging.consumer.group.name': group };
    // One CONSUMER span per delivery: a record's continues its producer's trace (its traceparent
    // header); a batch's links to every record's. The handler runs in it, so what it writes carries it.
    const call = (data: unknown, records: readonly BusRecord[]) =>
      inSpan(
        `${topic} process`,
        records.length === 1 && !batch
          ? { kind: SpanKind.CONSUMER, parent: contextFromCarrier(records[0]!.headers), attributes: { ...attributes, 'messaging.kafka.offset': Number(records[0]!.offset), 'messaging.destination.partition.id': String(records[0]!.partition) } }
          : { kind: SpanKind.CONSUMER, parent: ROOT_CONTEXT, links: records.flatMap((record) => spanContextOf(record.headers) ?? []), attributes: { ...attributes, 'messaging.batch.message_count': records.length } },
        async () => {
          const result: unknown = await handler(data, new BusContext([records]));
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        },
      );
    const common = { groupId: group, ...(maxBatch ? { maxBatch } : {}), ...(retry ? { retry } : {}), ...(maxMessageBytes ? { maxMessageBytes } : {}) };
    if (contract) {
      return subscribeEvents(
        this.bus,
        contract,
        batch
          ? { ...common, batchHandler: (events) => call(events, events.map((event) => event.record)) }
          : { ...common, handler: (event, record) => call(event, [record]) },
      );
    }
    return this.bus.subscribe({
      ...common,
      topics: [extras.topic],
      handler: (record) => call(batch ? [record] : record, [record]),
      ...(batch ? { batchHandler: (records: readonly BusRecord[]) => call(records, records) } : {}),
    });
  }
}
