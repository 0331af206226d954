import { type Database, openDatabase, serviceSchemaMigration } from '@distillery/storage';
import { DEALERSHIP_ENTITIES } from './dealership.entities.js';
import { AgentsDealership1764000003000 } from './dealership.migration.js';

/** A dealership database of its own in memory (PGlite), migrated and empty: for tests and tools that need no sessions. */
export function openDealershipDatabase(): Promise<Database> {
  return openDatabase({
    target: { kind: 'pglite', dataDir: 'memory://' },
    schemas: ['agents'],
    migrations: [serviceSchemaMigration('agents', 1764000000001), AgentsDealership1764000003000],
    entities: DEALERSHIP_ENTITIES,
  });
}
