import { type Bus, type BusLogger, PollLoop } from '@distillery/bus';
import type { DataSource } from 'typeorm';
import { quoteIdent } from './database.js';
import { preparedQuery, withConnection } from './prepared-query.js';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly bus: Bus;
  readonly schema: string;
  readonly batchSize?: number;
  /** How often to look for rows written by other processes (default 500 ms); `wake()` skips the wait. */
  readonly pollMs?: number;
  /** How long published rows stay in the outbox, to inspect, before the relay deletes them (default 1 hour). */
  readonly retainPublishedMs?: number;
  readonly logger?: BusLogger;
}

/** Published rows are remembered by the highest seq published in each such slice of time. */
const PUBLISHED_SLICE_MS = 100;

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Publishes outbox rows in commit order and marks them published. A crash between publishing and
 * marking republishes the same event ids, which consumers' inboxes drop. Several relays may run:
 * rows are claimed with FOR UPDATE SKIP LOCKED. Published rows are deleted once they are
 * `retainPublishedMs` old, a few at a time as they age (each deletion a short seq range), so the
 * table holds what is pending plus the retention window, not every event ever sent.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly batchSize: number;
  /** Claims the next batch, in commit order, and marks it published (in the pass's transaction). */
  private readonly claim: string;
  private readonly loop: PollLoop;
  private readonly retainPublishedMs: number;
  /** The highest seq published by each slice of time, oldest first (those rows are deleted when it expires). */
  private readonly published: Array<{ at: number; seq: bigint }> = [];
  /** Rows up to this seq were pruned already; undefined until the first pass looks at the table. */
  private pruned: bigint | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox`;
    this.batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`outbox relay: batchSize must be a positive integer, got ${options.batchSize}`);
    this.claim = `WITH claimed AS (SELECT seq FROM ${this.table} WHERE published_at IS NULL ORDER BY seq LIMIT ${this.batchSize} FOR UPDATE SKIP LOCKED),
      marked AS (UPDATE ${this.table} o SET published_at = now() FROM claimed WHERE o.seq = claimed.seq RETURNING o.seq, o.topic, o.key, o.value, o.headers)
      SELECT * FROM marked ORDER BY seq`;
    this.retainPublishedMs = options.retainPublishedMs ?? 3_600_000;
    // A short batch took everything pending when it looked: look again only when a commit came
    // since (or at the next poll), not with an empty pass that costs the database a transaction
    // after every turn.
    this.loop = new PollLoop(async () => {
      const more = (await this.publishBatch()) === this.batchSize;
      await this.prune();
      return more;
    }, {
      pollMs: options.pollMs ?? 500,
      onError: (error) => this.options.logger?.warn({ schema: this.options.schema, error: String(error) }, 'outbox relay: a pass (publish or prune) failed, will retry'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Asks the relay to look now (after a transaction that enqueued events commits). */
  wake(): void {
    this.loop.wake();
  }

  /** Graceful drain: publishes what is pending, then stops. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.flush();
  }

  /** Publishes every pending row; resolves with how many were published. */
  async flush(): Promise<number> {
    let total = 0;
    for (let published = -1; published !== 0; total += published) published = await this.publishBatch();
    return total;
  }

  async pending(): Promise<number> {
    const [row] = await this.options.dataSource.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE published_at IS NULL`);
    return (row as { n: number }).n;
  }

  /**
   * One pass, in two round trips: the first opens the transaction and claims the batch (marking it
   * published, which commits only if every publish succeeded); the second commits, or rolls back.
   */
  private publishBatch(): Promise<number> {
    return withConnection(this.options.dataSource, async (client) => {
      let rows: OutboxRow[];
      try {
        const results = await client.query(`BEGIN; ${this.claim}`);
        rows = (Array.isArray(results) ? results.at(-1)! : results).rows as OutboxRow[];
        // Consecutive rows of one topic go out in one request; the order across rows is kept.
        for (let start = 0; start < rows.length; ) {
          let end = start;
          while (end < rows.length && rows[end]!.topic === rows[start]!.topic) end++;
          const run = rows.slice(start, end);
          await this.options.bus.publish(run[0]!.topic, run.map((row) => ({ key: row.key, value: row.value, headers: row.headers })));
          start = end;
        }
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      await client.query('COMMIT');
      if (rows.length) this.remember(BigInt(rows.at(-1)!.seq));
      return rows.length;
    });
  }

  private remember(seq: bigint): void {
    const now = Date.now();
    const last = this.published.at(-1);
    if (last && now - last.at < PUBLISHED_SLICE_MS) last.seq = seq > last.seq ? seq : last.seq;
    else this.published.push({ at: now, seq });
  }

  /** Deletes the published rows whose retention ran out. */
  private async prune(): Promise<void> {
    if (this.pruned === undefined) {
      // Rows a previous process published are kept a full retention from now.
      const [row] = await preparedQuery<{ seq: string | null }>(this.options.dataSource, `SELECT max(seq) AS seq FROM ${this.table} WHERE published_at IS NOT NULL`, []);
      this.pruned = 0n;
      if (row?.seq) this.published.unshift({ at: Date.now(), seq: BigInt(row.seq) });
    }
    let upTo = this.pruned;
    while (this.published.length && Date.now() - this.published[0]!.at >= this.retainPublishedMs) {
      const expired = this.published.shift()!.seq;
      if (expired > upTo) upTo = expired;
    }
    if (upTo === this.pruned) return;
    await preparedQuery(this.options.dataSource, `DELETE FROM ${this.table} WHERE seq > $1 AND seq <= $2 AND published_at IS NOT NULL`, [String(this.pruned), String(upTo)]);
    this.pruned = upTo;
  }
}
