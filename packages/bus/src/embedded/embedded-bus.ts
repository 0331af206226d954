import { DEFAULT_MAX_MESSAGE_BYTES, MessageTooLargeError } from '@distillery/contracts';
import type { Bus, BusHealth, DeadLetterObserver, BusRecord, OutgoingRecord, SubscribeOptions, Subscription } from '../bus.port.js';
import { type BatchDelivery, deliverInBatches } from '../dead-letter.js';
import { DEFAULT_STUCK_AFTER_MS, DeliveryWatch } from '../delivery-watch.js';
import type { BusLogger } from '../kafka/kafka-logger.js';
import { partitionFor } from '../partitioner.js';
import { backoffMs, DEFAULT_RETRY_POLICY, sleep } from '../retry-policy.js';
import { UnknownTopicError } from '../unknown-topic.error.js';
import { Signal } from './signal.js';

export interface EmbeddedBusOptions {
  /** Partitions per topic, as on the broker (default 3). */
  readonly partitions?: number;
  readonly maxMessageBytes?: number;
  readonly onDeadLetter?: DeadLetterObserver;
  /**
   * Bytes of consumed records kept per partition, newest first, for late readers (default 16 MiB).
   * A record is dropped only once every group that subscribed to its topic has committed it and
   * this much newer data follows it; a record some group has not consumed is never dropped.
   */
  readonly retainBytes?: number;
  /** How long one record may keep failing before health reports its partition stuck (default 30 s). */
  readonly stuckAfterMs?: number;
  /** Where records that go back uncommitted are reported. */
  readonly logger?: BusLogger;
}

/** One partition's log: the records still held, from offset `base` on. */
interface PartitionLog {
  base: number;
  readonly records: BusRecord[];
  /** The bytes of the records' values. */
  bytes: number;
}

interface Member {
  readonly deliver: BatchDelivery;
  readonly maxBatch: number;
  stopping: boolean;
  inFlight: number;
  readonly idle: Signal;
}

interface Group {
  readonly members: Member[];
  /** Next offset to deliver per `topic/partition`: the committed position. */
  readonly committed: Map<string, number>;
  readonly workers: Set<string>;
}

/**
 * The in-process bus for embedded mode: the same contract as Kafka — partitions chosen by key
 * with Kafka's partitioner, per-partition order, consumer groups sharing partitions, commit after
 * the handler, redelivery of what was not committed, and `<topic>.dlq`. The log lives in memory,
 * so what every group has consumed is let go once `retainBytes` of newer records follow it (a group
 * that subscribes later starts at the oldest record held, as Kafka's `earliest`).
 */
export class EmbeddedBus implements Bus {
  readonly adapter = 'embedded' as const;
  readonly maxMessageBytes: number;
  private readonly partitions: number;
  private readonly retainBytes: number;
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private readonly published = new Signal();
  private closed = false;
  private readonly onDeadLetter: DeadLetterObserver | undefined;
  private readonly logger: BusLogger | undefined;
  private readonly watch: DeliveryWatch;

  constructor(options: EmbeddedBusOptions = {}) {
    this.onDeadLetter = options.onDeadLetter;
    this.logger = options.logger;
    this.watch = new DeliveryWatch({ stuckAfterMs: options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS });
    this.partitions = options.partitions ?? 3;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.retainBytes = options.retainBytes ?? 16 * 1024 * 1024;
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      if (!this.logs.has(topic)) this.logs.set(topic, Array.from({ length: this.partitions }, () => ({ base: 0, records: [], bytes: 0 })));
    }
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    const log = this.logs.get(topic);
    if (!log) throw new UnknownTopicError(topic);
    for (const record of records) {
      const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
      // The broker refuses oversized records; so do we, with the same limit.
      if (value.length > this.maxMessageBytes) throw new MessageTooLargeError(topic, value.length, this.maxMessageBytes);
      const partition = partitionFor(record.key, log.length);
      const entries = log[partition]!;
      entries.records.push({ topic, partition, offset: String(entries.base + entries.records.length), key: record.key, value, headers: { ...record.headers } });
      entries.bytes += value.length;
      this.trim(topic, partition);
    }
    this.published.notify();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    for (const topic of options.topics) if (!this.logs.has(topic)) throw new UnknownTopicError(topic);
    const group: Group = this.groups.get(options.groupId) ?? { members: [], committed: new Map(), workers: new Set() };
    this.groups.set(options.groupId, group);
    const member: Member = {
      stopping: false,
      inFlight: 0,
      idle: new Signal(),
      ...deliverInBatches(this, options, { isStopping: () => member.stopping || this.closed, onDeadLetter: this.onDeadLetter, watch: this.watch, logger: this.logger }),
    };
    group.members.push(member);
    for (const topic of options.topics) {
      for (let partition = 0; partition < this.partitions; partition++) this.startWorker(group, topic, partition);
    }
    this.published.notify();
    return {
      groupId: options.groupId,
      stop: async () => {
        member.stopping = true;
        while (member.inFlight > 0) await member.idle.wait();
        group.members.splice(group.members.indexOf(member), 1);
        // With no member left nobody waits on the group's partitions; otherwise the next owner takes over the record.
        if (group.members.length === 0) this.watch.forget(options.groupId);
        this.published.notify();
      },
    };
  }

  async health(): Promise<BusHealth> {
    return { up: !this.closed, adapter: 'embedded', detail: `${this.logs.size} topics in memory`, stuck: this.watch.stuck() };
  }

  async close(): Promise<void> {
    this.closed = true;
    const members = [...this.groups.values()].flatMap((group) => group.members);
    for (const member of members) member.stopping = true;
    this.published.notify();
    await Promise.all(members.map(async (member) => { while (member.inFlight > 0) await member.idle.wait(); }));
  }

  /** The next offset per partition (every record ever published, held or let go): for tests and the status page. */
  endOffsets(topic: string): number[] {
    return (this.logs.get(topic) ?? []).map((entries) => entries.base + entries.records.length);
  }

  /** Every record of a topic still held, in partition order (e.g. to read a DLQ). */
  read(topic: string): BusRecord[] {
    return (this.logs.get(topic) ?? []).flatMap((entries) => entries.records);
  }

  /** Lets go of the partition's oldest records that every subscribed group has committed, beyond `retainBytes`. */
  private trim(topic: string, partition: number): void {
    const log = this.logs.get(topic)![partition]!;
    if (log.bytes <= this.retainBytes) return;
    const id = `${topic}/${partition}`;
    let consumed = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) if (group.workers.has(id)) consumed = Math.min(consumed, group.committed.get(id) ?? 0);
    let drop = 0;
    while (drop < log.records.length && log.base + drop < consumed && log.bytes > this.retainBytes) log.bytes -= log.records[drop++]!.value?.length ?? 0;
    log.records.splice(0, drop);
    log.base += drop;
  }

  /** One loop per group and partition, so a partition is processed by one member at a time, in order. */
  private startWorker(group: Group, topic: string, partition: number): void {
    const id = `${topic}/${partition}`;
    if (group.workers.has(id)) return;
    group.workers.add(id);
    void (async () => {
      let failures = 0;
      while (!this.closed) {
        const log = this.logs.get(topic)![partition]!;
        // A group that comes after records were let go starts at the oldest one held.
        const offset = Math.max(group.committed.get(id) ?? 0, log.base);
        const active = group.members.filter((member) => !member.stopping);
        const owner = active[partition % Math.max(1, active.length)];
        const records = owner ? log.records.slice(offset - log.base, offset - log.base + owner.maxBatch) : [];
        if (!owner || records.length === 0) {
          await this.published.wait();
          continue;
        }
        owner.inFlight++;
        try {
          await owner.deliver(records, (record) => group.committed.set(id, Number(record.offset) + 1));
          failures = 0;
        } catch {
          // Not committed: redelivered, to whichever member owns the partition then.
          await sleep(backoffMs(DEFAULT_RETRY_POLICY, ++failures));
        } finally {
          this.trim(topic, partition);
          owner.inFlight--;
          owner.idle.notify();
        }
      }
      group.workers.delete(id);
    })();
  }
}
