import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The deploy gate's decisions: one row per candidate version (the first replica to decide records
 * it, the others read it); `gated` is the deployments.gated message it published: the incumbent,
 * the per-metric figures, the dataset whose held-out rows were decoded, the lineage. A refused version is also marked refused in
 * serving.versions, so the incumbent goes on serving.
 */
export class ServingGates1764400000008 implements MigrationInterface {
  name = 'ServingGates1764400000008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE serving.gates (
      model_id text NOT NULL,
      checkpoint_id text NOT NULL,
      decision text NOT NULL,
      gated jsonb NOT NULL,
      seq bigserial NOT NULL,
      PRIMARY KEY (model_id, checkpoint_id))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE serving.gates');
  }
}
