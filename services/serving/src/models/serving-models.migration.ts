import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The versions the serving replicas may load (one row per checkpoints.bf16 event, in arrival order)
 * and, per model, the version pinned by an operator. Replicas read both to decide what to serve:
 * the pinned version, else the newest one not refused.
 */
export class ServingModels1764100000008 implements MigrationInterface {
  name = 'ServingModels1764100000008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE serving.versions (
      model_id text NOT NULL,
      checkpoint_id text NOT NULL,
      seq bigserial NOT NULL,
      event_id text NOT NULL,
      checkpoint jsonb NOT NULL,
      refused text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (model_id, checkpoint_id))`);
    await runner.query('CREATE INDEX versions_newest ON serving.versions (model_id, seq DESC)');
    await runner.query(`CREATE TABLE serving.pins (
      model_id text PRIMARY KEY,
      checkpoint_id text NOT NULL,
      reason text NOT NULL,
      pinned_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE serving.pins');
    await runner.query('DROP TABLE serving.versions');
  }
}
