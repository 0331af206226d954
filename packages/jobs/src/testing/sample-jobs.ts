import { randomUUID } from 'node:crypto';
import { type CheckpointBf16, checkpointBf16Contract } from '@distillery/contracts';
import { type Outbox, serviceSchemaMigration } from '@distillery/storage';
import { Column, type DataSource, Entity, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import { JobQueue, type JobQueueOptions } from '../job-queue.js';
import { JobRow } from '../job-row.js';
import type { JobStatus } from '../job-status.js';
import { JobStore, jsonColumn, textColumn } from '../job-store.js';
import { jobsTableStatements } from '../jobs-table.js';
import { type JobSnapshot, NO_PROGRESS, TrackedProgress } from '../tracked-progress.js';

/**
 * A service's jobs as small as the specs need them, in the `sampler` schema: a job has a name (and
 * a lane a claim may record), keeps notes as its own progress detail and produces a checkpoint
 * announced on checkpoints.bf16. For this package's specs only.
 */
export const SAMPLER = 'sampler';

/** Thrown when a sample job is asked for by an id with no row. */
export class SampleJobNotFoundError extends Error {
  override readonly name = 'SampleJobNotFoundError';

  constructor(readonly jobId: string) {
    super(`no sample job ${jobId}`);
  }
}

@Entity({ schema: SAMPLER, name: 'jobs' })
export class SampleJobEntity extends JobRow {
  @Column('text') name!: string;
  /** Recorded by the claim. */
  @Column('text', { nullable: true }) lane!: string | null;
  @Column('jsonb') notes!: string[];
  @Column('text', { name: 'checkpoint_id', nullable: true }) checkpointId!: string | null;
}

class SampleJobs1764000000001 implements MigrationInterface {
  name = 'SampleJobs1764000000001';

  async up(runner: QueryRunner): Promise<void> {
    for (const sql of jobsTableStatements(SAMPLER, { request: ['name text NOT NULL', 'lane text'], report: [`notes jsonb NOT NULL DEFAULT '[]'`], product: ['checkpoint_id text'] })) await runner.query(sql);
    await runner.query(`CREATE UNIQUE INDEX jobs_name ON sampler.jobs (name) WHERE status IN ('queued', 'running', 'succeeded')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE sampler.jobs');
  }
}

export const SAMPLER_MIGRATIONS = [serviceSchemaMigration(SAMPLER, 1764000000000), SampleJobs1764000000001];
export const SAMPLER_ENTITIES = [SampleJobEntity];

export interface SampleSnapshot extends JobSnapshot {
  readonly notes: readonly string[];
}

export class SampleProgress extends TrackedProgress<SampleSnapshot> {
  constructor(from?: Partial<SampleSnapshot>) {
    super({ ...NO_PROGRESS, notes: [], ...from });
  }

  move(change: Partial<JobSnapshot>): void {
    this.update(change);
  }

  note(text: string): void {
    this.update({ notes: [...this.snapshot.notes, text] });
  }
}

export class SampleJobStore extends JobStore<SampleJobEntity, SampleSnapshot, CheckpointBf16> {
  constructor(dataSource: DataSource, outbox: Outbox) {
    super(dataSource, outbox, { service: SAMPLER, noun: 'sample job', entity: SampleJobEntity, detail: { column: 'notes', of: (snapshot) => snapshot.notes }, notFound: (jobId) => new SampleJobNotFoundError(jobId) });
  }

  async enqueue(manager: EntityManager, name: string): Promise<SampleJobEntity | undefined> {
    const id = `job_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const inserted = (await manager.query(`INSERT INTO sampler.jobs (id, name) VALUES ($1, $2) ON CONFLICT (name) WHERE status IN ('queued', 'running', 'succeeded') DO NOTHING RETURNING id`, [id, name])) as unknown[];
    return inserted.length ? manager.getRepository(SampleJobEntity).findOneByOrFail({ id }) : undefined;
  }

  async succeed(jobId: string, runner: string, checkpoint: CheckpointBf16, snapshot: SampleSnapshot): Promise<boolean> {
    return this.succeedWith(jobId, runner, { checkpoint_id: textColumn(checkpoint.checkpointId), notes: jsonColumn(snapshot.notes) }, checkpointBf16Contract, checkpoint);
  }

  async list(filter: { status?: JobStatus; name?: string; limit?: number } = {}): Promise<SampleJobEntity[]> {
    return this.newest(filter, { name: filter.name });
  }
}

export type SampleQueueOptions = JobQueueOptions<SampleJobEntity, SampleSnapshot, SampleProgress, CheckpointBf16>;

export class SampleQueue extends JobQueue<SampleJobEntity, SampleSnapshot, SampleProgress, CheckpointBf16> {
  protected progressOf(job: SampleJobEntity): SampleProgress {
    return new SampleProgress({ notes: job.notes });
  }

  protected logFields(job: SampleJobEntity): Record<string, unknown> {
    return { name: job.name };
  }

  protected startFields(): Record<string, unknown> {
    return {};
  }

  protected outcomeFields(checkpoint: CheckpointBf16): Record<string, unknown> {
    return { checkpointId: checkpoint.checkpointId };
  }
}
