import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sessions and their turns (each turn keeps its trace; the event goes out through the outbox). */
export class AgentsSessions1764000002000 implements MigrationInterface {
  name = 'AgentsSessions1764000002000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE agents.sessions (
      id text PRIMARY KEY,
      tenant text NOT NULL,
      customer_ref text NOT NULL,
      locale text NOT NULL,
      source text NOT NULL,
      campaign_id text,
      metadata jsonb NOT NULL,
      dialogue jsonb NOT NULL,
      ended boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query('CREATE INDEX sessions_tenant ON agents.sessions (tenant, created_at)');
    await runner.query(`CREATE TABLE agents.turns (
      id text PRIMARY KEY,
      session_id text NOT NULL REFERENCES agents.sessions (id),
      turn_index integer NOT NULL,
      user_message text NOT NULL,
      reply text NOT NULL,
      client_message_id text,
      trace jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (session_id, turn_index))`);
    await runner.query('CREATE UNIQUE INDEX turns_client_message ON agents.turns (session_id, client_message_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE agents.turns');
    await runner.query('DROP TABLE agents.sessions');
  }
}
