import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The FP8 versions the quantizer announced for each version (one row per checkpoints.fp8 event, in
 * arrival order; `fp8_id` names the quantization by its manifest's hash). With
 * DISTILLERY_SERVING_PRECISION=fp8 a version is served as its newest FP8 version not refused;
 * `refused` (its figures fail the gate, its artifacts do not verify, the engine refuses it) serves
 * the version in BF16 again, `drafter_refused` serves the FP8 student without its FP8 drafter.
 */
export class ServingFp81764300000008 implements MigrationInterface {
  name = 'ServingFp81764300000008';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE serving.fp8 (
      model_id text NOT NULL,
      checkpoint_id text NOT NULL,
      fp8_id text NOT NULL,
      seq bigserial NOT NULL,
      event_id text NOT NULL,
      fp8 jsonb NOT NULL,
      refused text,
      drafter_refused text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (model_id, checkpoint_id, fp8_id))`);
    await runner.query('CREATE INDEX fp8_newest ON serving.fp8 (model_id, checkpoint_id, seq DESC)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE serving.fp8');
  }
}
