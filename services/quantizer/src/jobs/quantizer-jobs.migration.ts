import { jobsTableStatements } from '@distillery/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the quantizer has heard of — the dataset versions (one row per datasets.ready event: where
 * its calibration and eval parts are) and the student checkpoints (one row per checkpoints.bf16
 * event) — and the quantize jobs, queued in arrival order (`seq`): one per student, and one per
 * student and drafter, while it is queued, running or succeeded. A job runs once its student's
 * checkpoint and the dataset version it was trained on are known; a drafter's job after the job of
 * its student alone has ended (whose calibration it reuses). A running job's replica beats
 * `heartbeat_at`; a stale one is queued again.
 */
export class QuantizerJobs1764200000007 implements MigrationInterface {
  name = 'QuantizerJobs1764200000007';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE quantizer.datasets (
      event_id text PRIMARY KEY,
      dataset_id text NOT NULL,
      version integer NOT NULL,
      manifest jsonb NOT NULL,
      parts jsonb NOT NULL,
      lineage jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query('CREATE INDEX datasets_version ON quantizer.datasets (dataset_id, version)');
    await runner.query(`CREATE TABLE quantizer.checkpoints (
      event_id text PRIMARY KEY,
      model_id text NOT NULL,
      checkpoint_id text NOT NULL,
      checkpoint jsonb NOT NULL,
      dataset_event_ids text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query('CREATE INDEX checkpoints_version ON quantizer.checkpoints (model_id, checkpoint_id, created_at)');
    const jobs = jobsTableStatements('quantizer', {
      request: [
        'model_id text NOT NULL',
        'checkpoint_id text NOT NULL',
        'drafter_id text',
        'source_event_id text NOT NULL',
        'drafter jsonb',
        'checkpoint_event_id text',
        'dataset_id text',
        'dataset_event_id text',
        'dataset_version integer',
        'settings jsonb NOT NULL',
      ],
      report: [`results jsonb NOT NULL DEFAULT '{"calibration": null, "clipRates": {}, "evaluated": null, "acceptance": {}}'`, 'metrics jsonb'],
      product: ['fp8_id text', 'fp8 jsonb'],
    });
    for (const statement of jobs) await runner.query(statement);
    await runner.query(`CREATE UNIQUE INDEX jobs_target ON quantizer.jobs (model_id, checkpoint_id, (coalesce(drafter_id, ''))) WHERE status IN ('queued', 'running', 'succeeded')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE quantizer.jobs');
    await runner.query('DROP TABLE quantizer.checkpoints');
    await runner.query('DROP TABLE quantizer.datasets');
  }
}
