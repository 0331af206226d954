import { describe } from 'vitest';
import { openAgentsMemoryDatabase } from '../agents-memory-database.js';
import { textStorageSuite } from '../testing/text-storage.suite.js';

// The same suite runs on a real PostgreSQL server in integration/text-storage.int-spec.ts.
describe('text from outside, through the gRPC API into every table that keeps text (PGlite)', () => {
  textStorageSuite(openAgentsMemoryDatabase);
});
