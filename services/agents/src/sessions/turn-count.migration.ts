import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Turn bookkeeping on the hot path: the session row counts its turns (the UPDATE that stores the
 * new memory also hands out the next index and serialises a session's concurrent turns), and a
 * turn keeps its trace as the JSON text it was sent as — written once, read whole, never queried
 * inside, so PostgreSQL need not parse it into jsonb. Traces (about 30 KB with production prompts)
 * are stored uncompressed, here and in the outbox: pglz costs about 1 ms per trace on the turn's
 * critical path (measured on PGlite), and the outbox copy is transient anyway.
 */
export class AgentsTurnCount1764000004000 implements MigrationInterface {
  name = 'AgentsTurnCount1764000004000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE agents.sessions ADD COLUMN turn_count integer NOT NULL DEFAULT 0');
    await runner.query('UPDATE agents.sessions s SET turn_count = (SELECT count(*) FROM agents.turns t WHERE t.session_id = s.id)');
    await runner.query('ALTER TABLE agents.turns ALTER COLUMN trace TYPE text USING trace::text');
    await runner.query('ALTER TABLE agents.turns ALTER COLUMN trace SET STORAGE EXTERNAL');
    await runner.query('ALTER TABLE agents.outbox ALTER COLUMN value SET STORAGE EXTERNAL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE agents.outbox ALTER COLUMN value SET STORAGE EXTENDED');
    await runner.query('ALTER TABLE agents.turns ALTER COLUMN trace TYPE jsonb USING trace::jsonb');
    await runner.query('ALTER TABLE agents.sessions DROP COLUMN turn_count');
  }
}
