import { createHash } from 'node:crypto';
import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';

/** The slice of node-postgres used here: a named statement, or a simple query (one or more statements, no parameters). */
export interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  query(text: string): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
}

interface PgPool {
  connect(): Promise<PgClient & { release(): void }>;
}

const names = new Map<string, string>();

/**
 * Runs a statement of the hot path as a named prepared statement, straight on node-postgres: each
 * connection parses and plans it once, then only binds and executes it (on PGlite that halves a
 * small query's cost; on PostgreSQL it saves the parse and plan of every call), and the call skips
 * TypeORM's query runner. A transaction's manager runs it on the transaction's connection. Only
 * for fixed SQL text, the values all in `params`: each distinct text stays prepared on every
 * connection that ran it. Resolves with the rows (RETURNING rows for INSERT, UPDATE and DELETE);
 * errors are TypeORM's QueryFailedError, as from `query`.
 */
export async function preparedQuery<T = unknown>(runner: DataSource | EntityManager, text: string, params: readonly unknown[]): Promise<T[]> {
  let name = names.get(text);
  if (!name) {
    name = `d_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  const values = [...params];
  const transaction = 'driver' in runner ? undefined : runner.queryRunner;
  if (transaction) return run(await transaction.connect(), name, text, values);
  return withConnection('driver' in runner ? runner : runner.dataSource, (client) => run(client, name, text, values));
}

/**
 * Runs `work` on one pooled node-postgres connection of the DataSource, released after. `work`
 * leaves the connection as it found it (no open transaction): on PGlite it is the only one.
 */
export async function withConnection<T>(dataSource: DataSource, work: (client: PgClient) => Promise<T>): Promise<T> {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  // Not pool.query: it would close the connection after a failed statement.
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function run<T>(connection: PgClient, name: string, text: string, values: unknown[]): Promise<T[]> {
  try {
    return (await connection.query({ name, text, values })).rows as T[];
  } catch (error) {
    throw new QueryFailedError(text, values, error as Error);
  }
}
