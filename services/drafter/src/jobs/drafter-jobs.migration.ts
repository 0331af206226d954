import { jobsTableStatements } from '@distillery/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dataset versions the drafter has heard of (one row per datasets.ready event: where its eagle
 * and eval parts are) and the drafter jobs, queued in arrival order (`seq`), one per checkpoint
 * while it is queued, running or succeeded. A job runs once the dataset version its checkpoint was
 * trained on (named by the checkpoint's lineage) is known. A running job's replica beats
 * `heartbeat_at`; a stale one is queued again.
 */
export class DrafterJobs1764200000006 implements MigrationInterface {
  name = 'DrafterJobs1764200000006';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE drafter.datasets (
      event_id text PRIMARY KEY,
      dataset_id text NOT NULL,
      version integer NOT NULL,
      manifest jsonb NOT NULL,
      parts jsonb NOT NULL,
      lineage jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query('CREATE INDEX datasets_version ON drafter.datasets (dataset_id, version)');
    const jobs = jobsTableStatements('drafter', {
      request: [
        'model_id text NOT NULL',
        'checkpoint_id text NOT NULL',
        'checkpoint_event_id text NOT NULL',
        'checkpoint jsonb NOT NULL',
        'dataset_id text',
        `dataset_event_ids text[] NOT NULL DEFAULT '{}'`,
        'dataset_event_id text',
        'dataset_version integer',
        'settings jsonb NOT NULL',
      ],
      report: [`results jsonb NOT NULL DEFAULT '{"data": {}, "variants": {}}'`, 'metrics jsonb', 'best text'],
      product: ['drafter_id text', 'drafter jsonb'],
    });
    for (const statement of jobs) await runner.query(statement);
    await runner.query(`CREATE UNIQUE INDEX jobs_checkpoint ON drafter.jobs (model_id, checkpoint_id) WHERE status IN ('queued', 'running', 'succeeded')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE drafter.jobs');
    await runner.query('DROP TABLE drafter.datasets');
  }
}
