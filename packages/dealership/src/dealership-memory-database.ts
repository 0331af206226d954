import { type Database, openDatabase } from '@distillery/storage';
import { DEALERSHIP_ENTITIES } from './domain/dealership.entities.js';
import { AgentsDealership1764000003000 } from './domain/dealership.migration.js';

/**
 * The dealership's tables alone in memory (PGlite), migrated and empty, in the `agents` schema
 * where the agents service keeps them: for specs and fixtures that run the pipeline without the service.
 */
export function openDealershipMemoryDatabase(): Promise<Database> {
  return openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['agents'], migrations: [AgentsDealership1764000003000], entities: DEALERSHIP_ENTITIES });
}
