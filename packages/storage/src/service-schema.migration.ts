import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from './database.js';

/**
 * The first migration of every service: its inbox (dedupe consumed events in the effect's
 * transaction) and outbox (events written in the same transaction as rows) in its own schema.
 * `timestamp` orders it among the service's other migrations.
 */
export function serviceSchemaMigration(schema: string, timestamp: number): new () => MigrationInterface {
  if (!/^\d{13}$/.test(String(timestamp))) throw new Error(`migration timestamp must be 13 digits (ms since epoch), got ${timestamp}`);
  const s = quoteIdent(schema);
  const name = `${schema.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}InboxOutbox${timestamp}`;
  return class implements MigrationInterface {
    name = name;
    async up(runner: QueryRunner): Promise<void> {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await runner.query(`CREATE TABLE ${s}.inbox (
        consumer_group text NOT NULL,
        event_id text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id))`);
      await runner.query(`CREATE TABLE ${s}.outbox (
        seq bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        topic text NOT NULL,
        key text NOT NULL,
        value text NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz)`);
      await runner.query(`CREATE INDEX outbox_pending ON ${s}.outbox (seq) WHERE published_at IS NULL`);
    }
    async down(runner: QueryRunner): Promise<void> {
      await runner.query(`DROP TABLE ${s}.outbox`);
      await runner.query(`DROP TABLE ${s}.inbox`);
    }
  };
}
