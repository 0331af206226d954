import { QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.js';
import { preparedQuery } from './prepared-query.js';

describe('preparedQuery on PGlite', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['prep'] });
    await db.dataSource.query(`CREATE TABLE prep.items (id int PRIMARY KEY, doc jsonb NOT NULL, at timestamptz NOT NULL)`);
    await db.dataSource.query(`INSERT INTO prep.items VALUES (1, '{"a": [1, 2]}', '2026-11-25T10:00:00Z'), (2, '{"b": null}', '2026-11-25T11:00:00Z')`);
  }, 60_000);
  afterAll(async () => db?.close());

  it('answers as the plain query does, from a statement the connection prepared once', async () => {
    const text = 'SELECT id, doc, at FROM prep.items WHERE id = ANY($1::int[]) ORDER BY id';
    const plain = await db.dataSource.query(text, [[1, 2]]);
    const first = await preparedQuery(db.dataSource, text, [[1, 2]]);
    const again = await preparedQuery(db.dataSource, text, [[2]]);
    expect(first).toEqual(plain);
    expect(again).toEqual([plain[1]]);
    const prepared = (await db.dataSource.query('SELECT statement FROM pg_prepared_statements')) as Array<{ statement: string }>;
    expect(prepared.filter((row) => row.statement === text)).toHaveLength(1);
  });

  it('fails with the query and its cause, and the connection goes on serving', async () => {
    await expect(preparedQuery(db.dataSource, 'SELECT missing FROM prep.items WHERE id = $1', [1])).rejects.toThrow(QueryFailedError);
    await expect(preparedQuery(db.dataSource, 'SELECT missing FROM prep.items WHERE id = $1', [1])).rejects.toThrow(/column "missing" does not exist/);
    expect(await preparedQuery(db.dataSource, 'SELECT count(*)::int AS n FROM prep.items WHERE id > $1', [0])).toEqual([{ n: 2 }]);
  });

  it('runs inside a transaction on the transaction connection, and rolls back with it', async () => {
    await expect(
      db.dataSource.transaction(async (manager) => {
        await preparedQuery(manager, 'INSERT INTO prep.items VALUES ($1, $2, now())', [3, '{}']);
        expect(await preparedQuery(manager, 'SELECT count(*)::int AS n FROM prep.items WHERE id > $1', [0])).toEqual([{ n: 3 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await preparedQuery(db.dataSource, 'SELECT count(*)::int AS n FROM prep.items WHERE id > $1', [0])).toEqual([{ n: 2 }]);
  });
});
