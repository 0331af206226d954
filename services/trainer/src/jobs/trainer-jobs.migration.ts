import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Training jobs, queued in arrival order (`seq`). One job per dataset version and model while it is
 * queued, running or succeeded; a failed or cancelled one may be followed by another (the dataset
 * announced again). A running job's replica beats `heartbeat_at`; a stale one is queued again.
 */
export class TrainerJobs1764100000005 implements MigrationInterface {
  name = 'TrainerJobs1764100000005';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE trainer.jobs (
      id text PRIMARY KEY,
      seq bigserial NOT NULL,
      dataset_id text NOT NULL,
      dataset_version integer NOT NULL,
      dataset_event_id text NOT NULL,
      dataset jsonb NOT NULL,
      model_id text NOT NULL,
      settings jsonb NOT NULL,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      stage text,
      step integer,
      total integer,
      loss double precision,
      progress jsonb,
      stages jsonb NOT NULL DEFAULT '[]',
      metrics jsonb,
      error text,
      checkpoint_id text,
      checkpoint jsonb,
      event_id text,
      attempts integer NOT NULL DEFAULT 0,
      runner text,
      heartbeat_at timestamptz,
      cancel_requested boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query(`CREATE INDEX jobs_queued ON trainer.jobs (seq) WHERE status = 'queued'`);
    await runner.query(`CREATE INDEX jobs_running ON trainer.jobs (heartbeat_at) WHERE status = 'running'`);
    await runner.query('CREATE INDEX jobs_created ON trainer.jobs (created_at DESC)');
    await runner.query(`CREATE UNIQUE INDEX jobs_dataset_version ON trainer.jobs (dataset_id, dataset_version, model_id) WHERE status IN ('queued', 'running', 'succeeded')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE trainer.jobs');
  }
}
