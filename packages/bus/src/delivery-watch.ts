import type { BusRecord } from './bus.port.js';

/** A partition whose consumer has been failing on one record for longer than the threshold. */
export interface StuckPartition {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The record everything behind it on the partition waits for. */
  readonly offset: string;
  /** When the first failure on that record came (ISO 8601). */
  readonly since: string;
  /** Failures on it so far: handler runs that threw, and dead letters or deliveries that did not go through. */
  readonly failures: number;
  /** The latest failure, its first 500 characters. */
  readonly error: string;
}

export interface DeliveryWatchOptions {
  /** How long one record may keep failing before its partition counts as stuck. */
  readonly stuckAfterMs: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

/** Default threshold: longer than a handler's retries take with the default policy (a few seconds). */
export const DEFAULT_STUCK_AFTER_MS = 30_000;

interface Failing {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly since: number;
  failures: number;
  error: string;
}

/**
 * Keeps, per consumer group and partition, the record that is failing there: from its first failure
 * until it is handled or dead-lettered. A record that fails for longer than `stuckAfterMs` (a
 * handler that keeps throwing, a dead letter that cannot be published, so the record comes back
 * again and again) holds up its whole partition; `stuck()` names it, for /health.
 */
export class DeliveryWatch {
  private readonly failing = new Map<string, Failing>();
  private readonly now: () => number;

  constructor(private readonly options: DeliveryWatchOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A try at the record failed; the partition waits on it. */
  failed(groupId: string, record: BusRecord, error: unknown): void {
    const id = idOf(groupId, record.topic, record.partition);
    const text = describeError(error);
    const current = this.failing.get(id);
    if (current?.offset === record.offset) {
      current.failures++;
      current.error = text;
      return;
    }
    this.failing.set(id, { groupId, topic: record.topic, partition: record.partition, offset: record.offset, since: this.now(), failures: 1, error: text });
  }

  /** The record was handled or dead-lettered: its partition moves on. */
  delivered(groupId: string, record: BusRecord): void {
    this.failing.delete(idOf(groupId, record.topic, record.partition));
  }

  /** Drops what the group's partitions that match `which` were waiting on (the consumer let go of them). */
  forget(groupId: string, which: (topic: string, partition: number) => boolean = () => true): void {
    for (const [id, entry] of this.failing) if (entry.groupId === groupId && which(entry.topic, entry.partition)) this.failing.delete(id);
  }

  /** The partitions whose record has been failing for `stuckAfterMs` or longer. */
  stuck(): StuckPartition[] {
    const now = this.now();
    return [...this.failing.values()]
      .filter((entry) => now - entry.since >= this.options.stuckAfterMs)
      .map(({ since, ...entry }) => ({ ...entry, since: new Date(since).toISOString() }));
  }
}

function idOf(groupId: string, topic: string, partition: number): string {
  return JSON.stringify([groupId, topic, partition]);
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 500);
}
