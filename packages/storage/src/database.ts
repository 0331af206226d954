import 'reflect-metadata';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { DataSource, type MixedList, type MigrationInterface } from 'typeorm';
import { closePglite, sharedPglite } from './pglite-instances.js';

export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize?: number }
  | { readonly kind: 'pglite'; readonly dataDir: string };

export interface DatabaseOptions {
  readonly target: DatabaseTarget;
  /** The schemas this database holds (each service owns one); created before migrations run. */
  readonly schemas: readonly string[];
  readonly entities?: MixedList<Function>;
  readonly migrations?: ReadonlyArray<new () => MigrationInterface>;
  /** Only for tests: derive tables from entities instead of migrations. */
  readonly synchronize?: boolean;
}

export interface Database {
  readonly dataSource: DataSource;
  readonly target: DatabaseTarget['kind'];
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database and runs pending migrations. Distributed: a pool on PostgreSQL. Embedded:
 * the process's one PGlite through its node-postgres adapter, with a single connection (PGlite is
 * one session, so a second connection would interleave transactions).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { target } = options;
  const connection =
    target.kind === 'postgres'
      ? { url: target.url, extra: { max: target.poolSize ?? 10 } }
      : { extra: { ...createPgConfig(await sharedPglite(target.dataDir)), max: 1, idleTimeoutMillis: 0 } };
  const dataSource = new DataSource({
    type: 'postgres',
    ...connection,
    entities: options.entities ?? [],
    migrations: [...(options.migrations ?? [])],
    migrationsTableName: 'distillery_migrations',
    synchronize: options.synchronize ?? false,
    logging: false,
  });
  await dataSource.initialize();
  try {
    for (const schema of options.schemas) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return {
    dataSource,
    target: target.kind,
    ping: async () => {
      await dataSource.query('SELECT 1');
    },
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (target.kind === 'pglite') await closePglite(target.dataDir);
    },
  };
}

/** Quotes a schema or table name; only simple lowercase identifiers are accepted. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a simple SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}
