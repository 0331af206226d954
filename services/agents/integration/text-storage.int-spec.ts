/**
 * Needs a real PostgreSQL server (DISTILLERY_TEST_DATABASE_URL; `npm test` starts it). The text
 * suite of src/sessions/text-storage.spec.ts (PGlite) on a scratch database of that server: what
 * the gRPC edge refuses, and that what gets past it is stored with U+FFFD in every table.
 */
import { openDatabase } from '@distillery/storage';
import { createScratchDatabase, integrationServers } from '@distillery/testing';
import { afterAll, describe } from 'vitest';
import { AGENTS_ENTITIES, AGENTS_MIGRATIONS } from '../src/agents.schema.js';
import { textStorageSuite } from '../src/testing/text-storage.suite.js';

const servers = integrationServers();

describe.skipIf(!servers)('text from outside, through the gRPC API into every table that keeps text (PostgreSQL)', () => {
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  textStorageSuite(async () => {
    scratch = await createScratchDatabase(servers!.databaseUrl);
    return openDatabase({ target: { kind: 'postgres', url: scratch.url, poolSize: 2 }, schemas: ['agents'], migrations: AGENTS_MIGRATIONS, entities: AGENTS_ENTITIES });
  });
  afterAll(async () => {
    await scratch?.drop();
  });
});
