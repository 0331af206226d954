import { afterAll, beforeAll, describe } from 'vitest';
import { integrationServers } from './integration-servers.js';
import { createScratchDatabase } from './scratch-database.js';

/** Where a test database lives: what @distillery/storage's openDatabase takes as its target. */
export type TestDatabaseTarget = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

/**
 * Declares `body` twice, as `<title>, on PGlite` on an in-memory PGlite and `<title>, on
 * PostgreSQL` on a scratch database of the test server (skipped without one). `open` opens the
 * database on the target before the block's tests; it is closed, and the scratch database dropped,
 * after them. `body` reads the open database through its getter.
 */
export function describeOnDatabases<D extends { close(): Promise<void> }>(title: string, open: (target: TestDatabaseTarget) => Promise<D>, body: (database: () => D) => void): void {
  const servers = integrationServers();
  for (const { name, server } of [
    { name: 'PGlite', server: false },
    { name: 'PostgreSQL', server: true },
  ]) {
    describe.skipIf(server && !servers)(`${title}, on ${name}`, () => {
      let database: D | undefined;
      let drop: (() => Promise<void>) | undefined;

      beforeAll(async () => {
        const scratch = server ? await createScratchDatabase(servers!.databaseUrl) : undefined;
        drop = scratch?.drop;
        database = await open(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
      });

      afterAll(async () => {
        await database?.close();
        await drop?.();
      });

      body(() => {
        if (!database) throw new Error(`${title}, on ${name}: the database is not open (its beforeAll failed)`);
        return database;
      });
    });
  }
}
