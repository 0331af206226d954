import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The curator's tables: refined turns as they arrive (one row a turn, the message as received),
 * completed campaigns waiting for their turns, and the dataset versions built (numbered by one
 * sequence, so versions only grow).
 */
export class CuratorTables1764100000004 implements MigrationInterface {
  name = 'CuratorTables1764100000004';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE curator.refined_turns (
      turn_id text PRIMARY KEY,
      event_id text NOT NULL,
      raw_event_id text NOT NULL,
      conversation_id text NOT NULL,
      turn_index integer NOT NULL,
      campaign_id text,
      trace text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now())`);
    await runner.query('CREATE INDEX refined_turns_conversation ON curator.refined_turns (conversation_id, turn_index)');
    await runner.query('CREATE INDEX refined_turns_campaign ON curator.refined_turns (campaign_id) WHERE campaign_id IS NOT NULL');
    await runner.query(`CREATE TABLE curator.campaigns (
      campaign_id text PRIMARY KEY,
      event_id text NOT NULL,
      session_ids jsonb NOT NULL,
      turns integer NOT NULL,
      completed_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'built')),
      dataset_id text,
      dataset_version integer)`);
    await runner.query(`CREATE INDEX campaigns_pending ON curator.campaigns (received_at) WHERE status = 'pending'`);
    await runner.query('CREATE SEQUENCE curator.dataset_versions');
    await runner.query(`CREATE TABLE curator.datasets (
      dataset_id text NOT NULL,
      version integer NOT NULL,
      campaign_id text,
      manifest_uri text NOT NULL,
      manifest_sha256 text NOT NULL,
      counts jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (dataset_id, version))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE curator.datasets');
    await runner.query('DROP SEQUENCE curator.dataset_versions');
    await runner.query('DROP TABLE curator.campaigns');
    await runner.query('DROP TABLE curator.refined_turns');
  }
}

/** Each refined turn's W3C trace context (`traceparent`), so the dataset built from it links to the turn's trace. */
export class CuratorTurnTraceContext1764100000005 implements MigrationInterface {
  name = 'CuratorTurnTraceContext1764100000005';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE curator.refined_turns ADD COLUMN trace_context text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE curator.refined_turns DROP COLUMN trace_context');
  }
}
