/**
 * @distillery/storage — PostgreSQL (distributed) or PGlite (embedded) through TypeORM with
 * migrations, plus the inbox (exactly-once effects) and the outbox (rows and events atomically).
 *
 * ```ts
 * import { EmbeddedBus } from '@distillery/bus';
 * import { Inbox, openDatabase, serviceSchemaMigration } from '@distillery/storage';
 * const db = await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['judge'],
 *   migrations: [serviceSchemaMigration('judge', 1732406400000)] });
 * const inbox = new Inbox(db.dataSource, 'judge', 'judge-refiner');
 * // in a bus handler: await inbox.handleOnce(record, async (manager) => { await manager.query('...') });
 * ```
 */
export { openDatabase, quoteIdent, type Database, type DatabaseOptions, type DatabaseTarget } from './database.js';
export { closePglite, sharedPglite } from './pglite-instances.js';
export { serviceSchemaMigration } from './service-schema.migration.js';
export { Inbox, type InboxOutcome } from './inbox.js';
export { Outbox } from './outbox.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { preparedQuery } from './prepared-query.js';
