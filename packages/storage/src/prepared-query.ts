import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

const names = new Map<string, string>();

/**
 * Runs a statement of the hot path as a named prepared statement: each connection parses and
 * plans it once, then only binds and executes it (on PGlite that halves a small query's cost;
 * on PostgreSQL it saves the parse and plan of every call). Only for fixed SQL text, the values
 * all in `params`: each distinct text stays prepared on every connection that ran it. Errors
 * are TypeORM's QueryFailedError, as from `query`.
 */
export function preparedQuery<T = unknown>(runner: DataSource | EntityManager, text: string, params: readonly unknown[]): Promise<T[]> {
  let name = names.get(text);
  if (!name) {
    name = `d_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  // node-postgres takes a query config (name + text) where TypeORM passes the SQL text through.
  return runner.query({ name, text } as unknown as string, [...params]) as Promise<T[]>;
}
