import { createScratchDatabase } from '@distillery/testing';
import { afterAll, beforeAll } from 'vitest';
import { type Database, openDatabase } from '../src/database.js';
import { serviceSchemaMigration } from '../src/service-schema.migration.js';

/**
 * A fresh PostgreSQL database for one test file, holding `schema` (with its inbox and outbox) and
 * the tables `setupSql` creates; dropped after the file.
 */
export function useScratchSchema(serverUrl: string | undefined, schema: string, migrationTimestamp: number, setupSql: string) {
  const state: { url: string; db: Database } = { url: '', db: undefined as unknown as Database };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (!serverUrl) return;
    const scratch = await createScratchDatabase(serverUrl);
    drop = scratch.drop;
    state.url = scratch.url;
    state.db = await openDatabase({ target: { kind: 'postgres', url: scratch.url }, schemas: [schema], migrations: [serviceSchemaMigration(schema, migrationTimestamp)] });
    await state.db.dataSource.query(setupSql);
  });
  afterAll(async () => {
    await state.db?.close();
    await drop?.();
  });
  return state;
}
