import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The simulator's tables: campaigns (the spec as asked for, with every default filled in, and the
 * lease of the replica running it) and one row per conversation of a campaign (status, attempt,
 * the agents session it is played in, the sessions of attempts abandoned by a crash, turns, EXIT
 * reason, the business switches made and those still to undo, the transcript).
 */
export class SimulatorCampaigns1764200000002 implements MigrationInterface {
  name = 'SimulatorCampaigns1764200000002';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE simulator.campaigns (
      campaign_id text PRIMARY KEY,
      spec jsonb NOT NULL,
      count integer NOT NULL,
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz,
      completion_event_id text,
      lease_owner text,
      lease_until timestamptz)`);
    await runner.query(`CREATE INDEX campaigns_running ON simulator.campaigns (lease_until) WHERE status = 'running'`);
    await runner.query(`CREATE TABLE simulator.conversations (
      campaign_id text NOT NULL REFERENCES simulator.campaigns (campaign_id) ON DELETE CASCADE,
      conversation_index integer NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
      attempt integer NOT NULL DEFAULT 0,
      owner text,
      session_id text,
      abandoned_session_ids jsonb NOT NULL DEFAULT '[]',
      goal jsonb,
      turns integer NOT NULL DEFAULT 0,
      exit_reason text,
      exit_detail text,
      error text,
      switches jsonb NOT NULL DEFAULT '[]',
      pending_reverts jsonb NOT NULL DEFAULT '[]',
      transcript jsonb NOT NULL DEFAULT '[]',
      started_at timestamptz,
      finished_at timestamptz,
      PRIMARY KEY (campaign_id, conversation_index))`);
    await runner.query(`CREATE INDEX conversations_open ON simulator.conversations (campaign_id, status, conversation_index) WHERE status IN ('pending', 'running')`);
    // One conversation per agents session: a session is never played for two conversations.
    await runner.query('CREATE UNIQUE INDEX conversations_session ON simulator.conversations (session_id) WHERE session_id IS NOT NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE simulator.conversations');
    await runner.query('DROP TABLE simulator.campaigns');
  }
}
