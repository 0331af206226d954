import { type Database, openDatabase } from '@distillery/storage';
import { AGENTS_ENTITIES, AGENTS_MIGRATIONS } from './agents.schema.js';

/** The agents schema of its own in memory (PGlite), migrated and empty: for specs and tools that need a database but no service. */
export function openAgentsMemoryDatabase(): Promise<Database> {
  return openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['agents'], migrations: AGENTS_MIGRATIONS, entities: AGENTS_ENTITIES });
}
