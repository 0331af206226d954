import { randomUUID } from 'node:crypto';
import { type MessageContract, storableText, storableValue } from '@distillery/contracts';
import { type Outbox, quoteIdent } from '@distillery/storage';
import type { DataSource, EntityManager, EntityTarget, FindOptionsOrder, FindOptionsWhere } from 'typeorm';
import type { z } from 'zod';
import { JobNotCancellableError } from './job-not-cancellable.error.js';
import type { JobRow } from './job-row.js';
import { JOB_STATUSES, type JobStatus } from './job-status.js';
import type { JobSnapshot } from './tracked-progress.js';

/** The state a running job's replica reads back on every beat. */
export interface Heartbeat {
  readonly cancelRequested: boolean;
}

/** The oldest queued job a replica may take, and what the claim records on it besides (column → value). */
export interface ClaimableJob {
  readonly id: string;
  readonly record?: Readonly<Record<string, unknown>>;
}

export interface JobStoreOptions<Job extends JobRow, Snapshot extends JobSnapshot> {
  /** The service: its schema holds the jobs (`<service>.jobs`), and its events go out with it as their source. */
  readonly service: string;
  /** Names a job in logs and errors: 'training job'. */
  readonly noun: string;
  readonly entity: EntityTarget<Job>;
  /** The column of the service's own progress detail (`stages`, `results`), and its value in a snapshot. */
  readonly detail: { readonly column: string; readonly of: (snapshot: Snapshot) => unknown };
  /** The named error an id with no row throws. */
  readonly notFound: (jobId: string) => Error;
}

/** A JSON column's value with every string made storable (an event from any producer, the compute plane's figures). */
export const jsonColumn = (value: unknown): string => JSON.stringify(storableValue(value));
/** A text column's value from elsewhere, made storable. */
export const textColumn = (value: string | null | undefined): string | null => (value == null ? null : storableText(value));

/** When a cancel was asked, a job goes `cancelled` where it would otherwise go back to the queue. */
const REQUEUED_STATUS = `CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END`;
const REQUEUED_FINISHED_AT = `CASE WHEN cancel_requested THEN now() END`;

/**
 * A service's jobs in `<service>.jobs`: claimed by replicas (FOR UPDATE SKIP LOCKED, oldest first),
 * beaten while they run, given back on a drain or when their replica stops beating, cancelled, and
 * finished exactly once — `succeeded` together with its event in the outbox. Every transition after
 * the claim checks that the job is still running under the replica that claims to own it. Text that
 * came from elsewhere (events, the compute plane's progress and errors) is written with
 * storableText / storableValue: PostgreSQL takes no NUL, and no lone surrogate has a UTF-8 form.
 *
 * A service's store extends it with how a job is queued, what `succeed` records and announces
 * (through `succeedWith`), how its jobs are listed, and, where a job waits for more than a slot,
 * which queued job may be claimed (`nextQueued`).
 */
export abstract class JobStore<Job extends JobRow, Snapshot extends JobSnapshot, Outcome> {
  readonly service: string;
  readonly noun: string;
  protected readonly table: string;

  constructor(
    protected readonly dataSource: DataSource,
    protected readonly outbox: Outbox,
    private readonly options: JobStoreOptions<Job, Snapshot>,
  ) {
    this.service = options.service;
    this.noun = options.noun;
    this.table = `${quoteIdent(options.service)}.jobs`;
  }

  /**
   * Marks the job succeeded with what it produced and writes the event that announces it, in one
   * transaction; false (and nothing written) when the job is no longer running under `runner`.
   */
  abstract succeed(jobId: string, runner: string, outcome: Outcome, snapshot: Snapshot): Promise<boolean>;

  /** Takes the oldest queued job that may run for `runner`, or undefined when none may. */
  async claim(runner: string): Promise<Job | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const next = await this.nextQueued(manager);
      if (!next) return undefined;
      const recorded = assignments(next.record ?? {}, 3);
      await manager.query(
        `UPDATE ${this.table} SET status = 'running', runner = $2, heartbeat_at = now(), started_at = coalesce(started_at, now()), attempts = attempts + 1, updated_at = now()${recorded.sql ? `, ${recorded.sql}` : ''}
         WHERE id = $1`,
        [next.id, runner, ...recorded.params],
      );
      return manager.getRepository(this.options.entity).findOneByOrFail(this.byId(next.id));
    });
  }

  /**
   * The running job's beat, with its progress when it changed; undefined when the job is no longer
   * running under `runner` (its lease ran out and another replica took it, or it was finished elsewhere).
   */
  async beat(jobId: string, runner: string, snapshot?: Snapshot): Promise<Heartbeat | undefined> {
    const progress = snapshot ? assignments(this.snapshotColumns(snapshot), 3) : undefined;
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table} SET heartbeat_at = now()${progress ? `, updated_at = now(), ${progress.sql}` : ''}
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING cancel_requested AS "cancelRequested"`,
      [jobId, runner, ...(progress?.params ?? [])],
    )) as [Heartbeat[], number];
    return rows[0];
  }

  /** Ends a running job as failed (with the error) or cancelled; nothing is emitted. */
  async finish(jobId: string, runner: string, status: Extract<JobStatus, 'failed' | 'cancelled'>, error: string | null, snapshot: Snapshot): Promise<boolean> {
    const ended = assignments({ status, error: textColumn(error), ...this.snapshotColumns(snapshot) }, 3);
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table} SET finished_at = now(), updated_at = now(), ${ended.sql}
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
      [jobId, runner, ...ended.params],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** Gives a running job back to the queue (this replica drains); it resumes from its run dir wherever it runs next. */
  async release(jobId: string, runner: string, snapshot: Snapshot): Promise<boolean> {
    const progress = assignments(this.snapshotColumns(snapshot), 3);
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table} SET status = ${REQUEUED_STATUS}, finished_at = ${REQUEUED_FINISHED_AT}, runner = NULL, updated_at = now(), ${progress.sql}
       WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
      [jobId, runner, ...progress.params],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /**
   * Queues again the running jobs whose replica stopped beating for `leaseMs` (all of them with
   * `all`: nobody else can run them), except `spare`: the jobs the caller itself is running (alive,
   * however late a beat of theirs is on a machine loaded past its cores).
   */
  async requeueStale(leaseMs: number, all = false, spare: readonly string[] = []): Promise<string[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE ${this.table} SET status = ${REQUEUED_STATUS}, finished_at = ${REQUEUED_FINISHED_AT}, runner = NULL, updated_at = now()
       WHERE status = 'running' AND ($1 OR heartbeat_at IS NULL OR heartbeat_at < now() - $2::float8 * interval '1 millisecond') AND NOT (id = ANY($3::text[])) RETURNING id`,
      [all, leaseMs, [...spare]],
    )) as [Array<{ id: string }>, number];
    return rows.map((row) => row.id);
  }

  /**
   * Cancels a queued job at once; asks the replica running a running job to stop it (it sees the
   * request on its next beat). Throws the service's not-found error, JobNotCancellableError.
   */
  async requestCancel(jobId: string): Promise<Job> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = (await manager.query(`SELECT status FROM ${this.table} WHERE id = $1 FOR UPDATE`, [jobId])) as Array<{ status: JobStatus }>;
      if (!row) throw this.options.notFound(jobId);
      if (row.status === 'queued') {
        await manager.query(`UPDATE ${this.table} SET status = 'cancelled', cancel_requested = true, finished_at = now(), updated_at = now() WHERE id = $1`, [jobId]);
      } else if (row.status === 'running') {
        await manager.query(`UPDATE ${this.table} SET cancel_requested = true, updated_at = now() WHERE id = $1`, [jobId]);
      } else {
        throw new JobNotCancellableError(this.noun, jobId, row.status);
      }
      return manager.getRepository(this.options.entity).findOneByOrFail(this.byId(jobId));
    });
  }

  /** Throws the service's not-found error. */
  async get(jobId: string): Promise<Job> {
    const job = await this.dataSource.getRepository(this.options.entity).findOneBy(this.byId(jobId));
    if (!job) throw this.options.notFound(jobId);
    return job;
  }

  /** Jobs by status, for the metrics. */
  async countByStatus(): Promise<Record<JobStatus, number>> {
    const rows = (await this.dataSource.query(`SELECT status, count(*)::int AS n FROM ${this.table} GROUP BY status`)) as Array<{ status: JobStatus; n: number }>;
    return Object.fromEntries([...JOB_STATUSES.map((status) => [status, 0]), ...rows.map((row) => [row.status, row.n])]) as Record<JobStatus, number>;
  }

  /** The oldest queued job, locked for the claim's transaction; a service whose jobs wait for more than a slot picks among them here. */
  protected async nextQueued(manager: EntityManager): Promise<ClaimableJob | undefined> {
    const [next] = (await manager.query(`SELECT id FROM ${this.table} WHERE status = 'queued' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`)) as ClaimableJob[];
    return next;
  }

  /**
   * The `succeeded` transition for a service's `succeed`: the job's own columns (what it produced)
   * and the event that announces it, written in one transaction, the event's id kept in `event_id`;
   * false (and nothing written) when the job is no longer running under `runner`.
   */
  protected async succeedWith<S extends z.ZodType>(jobId: string, runner: string, columns: Readonly<Record<string, unknown>>, contract: MessageContract<S>, data: z.input<S>): Promise<boolean> {
    const eventId = randomUUID();
    const produced = assignments({ ...columns, event_id: eventId }, 3);
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE ${this.table} SET status = 'succeeded', finished_at = now(), updated_at = now(), heartbeat_at = now(), error = NULL, ${produced.sql}
         WHERE id = $1 AND status = 'running' AND runner = $2 RETURNING id`,
        [jobId, runner, ...produced.params],
      )) as [unknown[], number];
      if (rows.length === 0) return false;
      await this.outbox.enqueue(manager, contract, data, { source: this.service, id: eventId });
      return true;
    });
  }

  /** The newest jobs first, optionally of one status and with the given values of the service's own columns (entity properties; undefined ones ignored). */
  protected async newest(filter: { readonly status?: JobStatus; readonly limit?: number }, own: Readonly<Record<string, string | undefined>> = {}): Promise<Job[]> {
    const where = Object.fromEntries(Object.entries({ status: filter.status, ...own }).filter(([, value]) => value));
    return this.dataSource.getRepository(this.options.entity).find({
      where: where as FindOptionsWhere<Job>,
      order: { createdAt: 'DESC', id: 'ASC' } as FindOptionsOrder<Job>,
      take: filter.limit ?? 100,
    });
  }

  /** The snapshot's columns: the progress every job has, and the service's own detail. */
  protected snapshotColumns(snapshot: Snapshot): Record<string, unknown> {
    return {
      stage: textColumn(snapshot.stage),
      step: snapshot.step,
      total: snapshot.total,
      loss: snapshot.loss,
      progress: snapshot.progress ? jsonColumn(snapshot.progress) : null,
      [this.options.detail.column]: jsonColumn(this.options.detail.of(snapshot)),
    };
  }

  private byId(id: string): FindOptionsWhere<Job> {
    return { id } as FindOptionsWhere<Job>;
  }
}

/** A SET clause's `column = $n, …` for the given columns (names from code, never from a request), numbered from `first`, with its parameters. */
function assignments(columns: Readonly<Record<string, unknown>>, first: number): { sql: string; params: unknown[] } {
  const names = Object.keys(columns);
  return { sql: names.map((name, index) => `${quoteIdent(name)} = $${first + index}`).join(', '), params: names.map((name) => columns[name]) };
}
