import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The EAGLE drafters announced for each version (one row per drafters.ready event, in arrival
 * order). A version is served with its newest drafter not refused; a drafter that did not verify
 * or that its engine would not load is marked refused and the version is served without it.
 */
export class ServingDrafters1764200000008 implements MigrationInterface {
  name = 'ServingDrafters1764200000008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE serving.drafters (
      model_id text NOT NULL,
      checkpoint_id text NOT NULL,
      drafter_id text NOT NULL,
      seq bigserial NOT NULL,
      event_id text NOT NULL,
      drafter jsonb NOT NULL,
      refused text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (model_id, checkpoint_id, drafter_id))`);
    await runner.query('CREATE INDEX drafters_newest ON serving.drafters (model_id, checkpoint_id, seq DESC)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE serving.drafters');
  }
}
