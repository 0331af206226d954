import { jobsTableStatements } from '@distillery/jobs';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Training jobs, queued in arrival order (`seq`). One job per dataset version and model while it is
 * queued, running or succeeded; a failed or cancelled one may be followed by another (the dataset
 * announced again). A running job's replica beats `heartbeat_at`; a stale one is queued again.
 */
export class TrainerJobs1764100000005 implements MigrationInterface {
  name = 'TrainerJobs1764100000005';

  async up(runner: QueryRunner): Promise<void> {
    const table = jobsTableStatements('trainer', {
      request: ['dataset_id text NOT NULL', 'dataset_version integer NOT NULL', 'dataset_event_id text NOT NULL', 'dataset jsonb NOT NULL', 'model_id text NOT NULL', 'settings jsonb NOT NULL'],
      report: [`stages jsonb NOT NULL DEFAULT '[]'`, 'metrics jsonb'],
      product: ['checkpoint_id text', 'checkpoint jsonb'],
    });
    for (const statement of table) await runner.query(statement);
    await runner.query(`CREATE UNIQUE INDEX jobs_dataset_version ON trainer.jobs (dataset_id, dataset_version, model_id) WHERE status IN ('queued', 'running', 'succeeded')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE trainer.jobs');
  }
}
