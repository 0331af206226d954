import { type Bus, type BusLogger, PollLoop } from '@distillery/bus';
import type { DataSource } from 'typeorm';
import { quoteIdent } from './database.js';
import { preparedQuery } from './prepared-query.js';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly bus: Bus;
  readonly schema: string;
  readonly batchSize?: number;
  /** How often to look for rows written by other processes (default 500 ms); `wake()` skips the wait. */
  readonly pollMs?: number;
  readonly logger?: BusLogger;
}

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
 * rows are claimed with FOR UPDATE SKIP LOCKED.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly batchSize: number;
  private readonly loop: PollLoop;

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${quoteIdent(options.schema)}.outbox`;
    this.batchSize = options.batchSize ?? 500;
    // A short batch took everything pending when it looked: look again only when a commit came
    // since (or at the next poll), not with an empty pass that costs the database a transaction
    // after every turn.
    this.loop = new PollLoop(async () => (await this.publishBatch()) === this.batchSize, {
      pollMs: options.pollMs ?? 500,
      onError: (error) => this.options.logger?.warn({ schema: this.options.schema, error: String(error) }, 'outbox relay: publish failed, will retry'),
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

  private publishBatch(): Promise<number> {
    return this.options.dataSource.transaction(async (manager) => {
      const rows = await preparedQuery<OutboxRow>(
        manager,
        `SELECT seq, topic, key, value, headers FROM ${this.table} WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      // Consecutive rows of one topic go out in one request; the order across rows is kept.
      for (let start = 0; start < rows.length; ) {
        let end = start;
        while (end < rows.length && rows[end]!.topic === rows[start]!.topic) end++;
        const run = rows.slice(start, end);
        await this.options.bus.publish(run[0]!.topic, run.map((row) => ({ key: row.key, value: row.value, headers: row.headers })));
        start = end;
      }
      await preparedQuery(manager, `UPDATE ${this.table} SET published_at = now() WHERE seq = ANY($1::bigint[])`, [rows.map((row) => row.seq)]);
      return rows.length;
    });
  }
}
