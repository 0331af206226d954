import { DEFAULT_MAX_MESSAGE_BYTES, MessageTooLargeError } from '@distillery/contracts';
import { type Admin, type EachBatchPayload, Kafka, type KafkaMessage, logLevel, type Producer, type SASLOptions } from 'kafkajs';
import type { Bus, BusHealth, DeadLetterObserver, BusRecord, OutgoingRecord, SubscribeOptions, Subscription } from '../bus.port.js';
import { type BatchDelivery, deliverInBatches } from '../dead-letter.js';
import { DEFAULT_STUCK_AFTER_MS, DeliveryWatch } from '../delivery-watch.js';
import { sleep } from '../retry-policy.js';
import { kafkaLogCreator, type BusLogger } from './kafka-logger.js';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Partitions and replication factor for the topics created at start-up. */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly maxMessageBytes?: number;
  /** How long publish keeps retrying through a broker outage before it gives up (default 120 s). */
  readonly publishTimeoutMs?: number;
  readonly sessionTimeoutMs?: number;
  /** Partitions a consumer works on at once; order holds within each (default 3). */
  readonly partitionsConsumedConcurrently?: number;
  /** How long one record may keep failing before health reports its partition stuck (default 30 s). */
  readonly stuckAfterMs?: number;
  readonly logger?: BusLogger;
  readonly onDeadLetter?: DeadLetterObserver;
  /** TLS to the brokers (true: the system's CAs; `ca`: these PEMs) and SASL credentials. */
  readonly security?: KafkaSecurity;
}

/** How the client authenticates to the brokers and encrypts the connection. */
export interface KafkaSecurity {
  readonly ssl?: boolean | { readonly ca: readonly string[] };
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
}

/** Offsets are committed after at most this many handled records or this long, and always on drain. */
const COMMIT_EVERY_RECORDS = 100;
const COMMIT_EVERY_MS = 1_000;
/** The longest a fetch long-polls the broker for records, and so the longest a consumer's stop waits for one. */
const FETCH_WAIT_MS = 1_000;

/**
 * The Kafka adapter (kafkajs, kept behind our Bus port so the client can be swapped): an
 * idempotent acks=all producer, consumer groups committing only handled offsets, retries and the
 * DLQ from `deliverWithDeadLetter`, and a drain that finishes the record in flight.
 */
export class KafkaBus implements Bus {
  readonly adapter = 'kafka' as const;
  readonly maxMessageBytes: number;
  private readonly kafka: Kafka;
  private readonly watch: DeliveryWatch;
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private readonly subscriptions = new Set<Subscription>();
  private readonly options: Required<Omit<KafkaBusOptions, 'logger' | 'onDeadLetter' | 'security'>> & Pick<KafkaBusOptions, 'logger' | 'onDeadLetter' | 'security'>;

  constructor(options: KafkaBusOptions) {
    this.options = {
      partitions: 3,
      replicationFactor: 1,
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      publishTimeoutMs: 120_000,
      sessionTimeoutMs: 10_000,
      partitionsConsumedConcurrently: 3,
      stuckAfterMs: DEFAULT_STUCK_AFTER_MS,
      ...options,
    };
    this.maxMessageBytes = this.options.maxMessageBytes;
    this.watch = new DeliveryWatch({ stuckAfterMs: this.options.stuckAfterMs });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger),
      retry: { initialRetryTime: 200, maxRetryTime: 3_000, retries: 8 },
      connectionTimeout: 3_000,
      ...(options.security?.ssl ? { ssl: options.security.ssl === true ? true : { ca: [...options.security.ssl.ca] } } : {}),
      ...(options.security?.sasl ? { sasl: { ...options.security.sasl } as SASLOptions } : {}),
    });
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.options.partitions,
          replicationFactor: this.options.replicationFactor,
        })),
      });
      // A new partition's leader is known to the controller before every broker serves it
      // (KRaft propagates metadata asynchronously): wait until each created topic answers offsets.
      for (const topic of missing) await this.untilServed(admin, topic);
    } finally {
      await admin.disconnect();
    }
  }

  private async untilServed(admin: Admin, topic: string): Promise<void> {
    const deadline = Date.now() + this.options.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.fetchTopicOffsets(topic);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(Math.min(1_000, 100 * attempt));
      }
    }
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages = records.map((record) => {
      const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
      if (value.length > this.options.maxMessageBytes) throw new MessageTooLargeError(topic, value.length, this.options.maxMessageBytes);
      return { key: record.key, value, headers: { ...record.headers } };
    });
    const deadline = Date.now() + this.options.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const producer = await this.connectedProducer();
        await producer.send({ topic, acks: -1, messages });
        return;
      } catch (error) {
        // kafkajs gives up after its own retries; a broker restart takes longer, so we keep trying until the deadline.
        if (Date.now() > deadline) throw error;
        this.options.logger?.warn({ topic, attempt, error: String(error) }, 'publish failed, retrying');
        await this.resetProducer();
        await sleep(Math.min(3_000, 200 * attempt));
      }
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 5)),
      rebalanceTimeout: 30_000,
      // A fetch waits this long for records at most; stop() waits for the fetch in flight (kafkajs' 5 s made every drain 5 s per consumer).
      maxWaitTimeInMs: FETCH_WAIT_MS,
      maxBytesPerPartition: Math.max(this.options.maxMessageBytes * 2, 1_048_576),
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 1_000 },
    });
    let stopping = false;
    const delivery = deliverInBatches(this, options, { isStopping: () => stopping, onDeadLetter: this.options.onDeadLetter, watch: this.watch, logger: this.options.logger });
    // What this member holds: a partition handed to another member is no longer this process's to wait on.
    let held: Record<string, number[]> = {};
    const holds = (topic: string, partition: number) => held[topic]?.includes(partition) ?? false;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      held = payload.memberAssignment;
      this.watch.forget(options.groupId, (topic, partition) => options.topics.includes(topic) && !holds(topic, partition));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: COMMIT_EVERY_MS,
      autoCommitThreshold: COMMIT_EVERY_RECORDS,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload, delivery, () => stopping),
    });
    const subscription: Subscription = {
      groupId: options.groupId,
      stop: async () => {
        if (stopping) return;
        stopping = true;
        this.subscriptions.delete(subscription);
        // disconnect() waits for the batch in flight, which stops after its current record and commits.
        await consumer.disconnect();
        this.watch.forget(options.groupId, holds);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async health(): Promise<BusHealth> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return { up: true, adapter: 'kafka', detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}`, stuck: this.watch.stuck() };
    } catch (error) {
      return { up: false, adapter: 'kafka', detail: String(error), stuck: this.watch.stuck() };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.resetProducer();
  }

  private async handleBatch(
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale }: EachBatchPayload,
    { maxBatch, deliver }: { readonly maxBatch: number; readonly deliver: BatchDelivery },
    stopping: () => boolean,
  ): Promise<void> {
    for (let start = 0; start < batch.messages.length; start += maxBatch) {
      if (!isRunning() || isStale() || stopping()) break;
      const records = batch.messages.slice(start, start + maxBatch).map((message) => toBusRecord(batch.topic, batch.partition, message));
      await deliver(records, (record) => resolveOffset(record.offset));
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
    // Whatever was handled is committed before a drain or rebalance hands the partition on.
    await commitOffsetsIfNecessary(uncommittedOffsets());
  }

  private connectedProducer(): Promise<Producer> {
    this.producerReady ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().catch((error: unknown) => {
      this.producerReady = undefined;
      throw error;
    });
    return this.producerReady;
  }

  private async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.producerReady = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

function toBusRecord(topic: string, partition: number, message: KafkaMessage): BusRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value, headers };
}

