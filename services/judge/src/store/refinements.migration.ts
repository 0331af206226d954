import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per judged agent call: which raw event, conversation, turn and call it refines, the
 * verdict with its reasons, y and y*, the refinement prompt Φ_refine it was judged under (for
 * audit), which judge (backend, model, seed) and which replica judged it, and the traces.refined
 * event that carried it. Written in the inbox's transaction, so a redelivered raw event adds none.
 */
export class JudgeRefinements1764000005000 implements MigrationInterface {
  name = 'JudgeRefinements1764000005000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE judge.refinements (
      raw_event_id text NOT NULL,
      call_id text NOT NULL,
      conversation_id text NOT NULL,
      turn_id text NOT NULL,
      turn_index integer NOT NULL,
      tenant text NOT NULL,
      agent text NOT NULL,
      attempt integer NOT NULL,
      verdict text NOT NULL CHECK (verdict IN ('accepted', 'corrected', 'rejected')),
      reasons jsonb NOT NULL,
      output text NOT NULL,
      refined text NOT NULL,
      refine_prompt text NOT NULL,
      judge_backend text NOT NULL,
      judge_model text NOT NULL,
      judge_seed integer,
      judged_by text NOT NULL,
      refined_event_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (raw_event_id, call_id))`);
    await runner.query('CREATE INDEX refinements_conversation ON judge.refinements (conversation_id, turn_index)');
    await runner.query('CREATE INDEX refinements_verdict ON judge.refinements (agent, verdict)');
    // Prompts are long and read whole: kept out of line, uncompressed (as the agents keep traces).
    await runner.query('ALTER TABLE judge.refinements ALTER COLUMN refine_prompt SET STORAGE EXTERNAL');
    await runner.query('ALTER TABLE judge.outbox ALTER COLUMN value SET STORAGE EXTERNAL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE judge.outbox ALTER COLUMN value SET STORAGE EXTENDED');
    await runner.query('DROP TABLE judge.refinements');
  }
}
