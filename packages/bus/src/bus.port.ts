import type { StuckPartition } from './delivery-watch.js';
import type { RetryPolicy } from './retry-policy.js';

/** A message to publish. The key picks the partition, so records with one key keep their order. */
export interface OutgoingRecord {
  readonly key: string;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A consumed message, as either adapter delivers it. */
export interface BusRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

export type RecordHandler = (record: BusRecord) => Promise<void>;

/** Takes consecutive records of one partition, in order, as one unit: every effect applied, or none. */
export type BatchHandler = (records: readonly BusRecord[]) => Promise<void>;

/** The most records one batch holds unless a subscription says otherwise. */
export const DEFAULT_MAX_BATCH = 500;

export interface SubscribeOptions {
  /** Members of one group share the topics' partitions; each record goes to one member. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Runs the effect. A record's offset is committed only after this resolves. */
  readonly handler: RecordHandler;
  /**
   * Takes the records of one partition that are ready, up to `maxBatch`, in one call (one
   * transaction), committed after it resolves. A batch that fails is delivered again one record at
   * a time through `handler`, with its retries and dead-lettering: a poison record costs its batch
   * time, not its effects.
   */
  readonly batchHandler?: BatchHandler;
  /** The most records one batch holds (default 500). */
  readonly maxBatch?: number;
  /** Retries for a failing handler before the record is dead-lettered. */
  readonly retry?: Partial<RetryPolicy>;
  /** Records over this size go to the DLQ unprocessed (default: the bus's own limit). */
  readonly maxMessageBytes?: number;
}

export interface Subscription {
  readonly groupId: string;
  /** Graceful drain: finishes the record in flight, commits, leaves the group. */
  stop(): Promise<void>;
}

export interface BusHealth {
  readonly up: boolean;
  readonly adapter: 'kafka' | 'embedded';
  readonly detail?: string;
  /** Partitions this process's consumers are stuck on: one record failing for longer than the threshold. */
  readonly stuck: readonly StuckPartition[];
}

/** Told about every record sent to a dead-letter topic (metrics, alerts). */
export type DeadLetterObserver = (record: BusRecord, reason: string, error: string) => void;

export interface TopicSpec {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/**
 * The bus port every service uses. Delivery is at least once: consumers make effects idempotent
 * (the inbox in @distillery/storage); a record that keeps failing goes to `<topic>.dlq`.
 */
export interface Bus {
  readonly adapter: 'kafka' | 'embedded';
  /** The largest value `publish` accepts, in bytes; also the consumers' limit unless they set one. */
  readonly maxMessageBytes: number;
  /** Creates the topics if absent (KRaft: before anyone subscribes). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Resolves once every record is durably accepted (Kafka: acks=all, idempotent producer). */
  publish(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  health(): Promise<BusHealth>;
  /** Drains every subscription, then disconnects. */
  close(): Promise<void>;
}
