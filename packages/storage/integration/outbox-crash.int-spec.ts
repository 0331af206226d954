/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * A writer killed between writing rows and publishing their events never leaves a row without
 * its event downstream, nor an event without its row.
 */
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaBus } from '@distillery/bus';
import { eventually, integrationServers, spawnNode } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { useScratchSchema } from './scratch-schema.js';

const servers = integrationServers();
const fixture = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'outbox-writer.js');

describe.skipIf(!servers)('outbox across a crash, over Kafka and PostgreSQL', () => {
  const scratch = useScratchSchema(servers?.databaseUrl, 'producer', 1764000000201, 'CREATE TABLE producer.orders (id text PRIMARY KEY)');

  it('publishes exactly the committed rows after a writer is killed, before and during relaying', async () => {
    const topic = `test.outbox.${randomUUID()}`;
    const bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'outbox-test', partitions: 3 });
    await bus.ensureTopics([topic, `${topic}.dlq`]);
    const events = new Set<string>();
    const subscription = await bus.subscribe({
      groupId: `${topic}.reader`,
      topics: [topic],
      handler: async (record) => {
        events.add((JSON.parse(record.value!.toString()) as { orderId: string }).orderId);
      },
    });
    const args = (from: number, to: number, ...flags: string[]) => [servers!.kafkaBrokers.join(','), scratch.url, topic, String(from), String(to), ...flags];

    // 1. Killed after committing rows whose events were never published.
    const silent = spawnNode(fixture, args(0, 300, '--no-relay'), {});
    await silent.waitFor('all written');
    silent.child.kill('SIGKILL');
    await silent.exited;
    expect(events.size).toBe(0);

    // 2. Killed at an arbitrary moment while writing and relaying.
    const busy = spawnNode(fixture, args(300, 5_000), {});
    await busy.waitFor('written 1200');
    busy.child.kill('SIGKILL');
    await busy.exited;

    // 3. A restarted writer relays what the dead ones left, then writes a few more.
    const restarted = spawnNode(fixture, args(5_000, 5_100), {});
    await restarted.waitFor('all published');
    expect(await restarted.exited).toBe(0);

    const rows = new Set<string>((await scratch.db.dataSource.query('SELECT id FROM producer.orders')).map((row: { id: string }) => row.id));
    await eventually(() => events.size >= rows.size, `${rows.size} events downstream (have ${events.size})`);
    const rowsWithoutEvent = [...rows].filter((id) => !events.has(id));
    const eventsWithoutRow = [...events].filter((id) => !rows.has(id));
    expect(rowsWithoutEvent).toEqual([]);
    expect(eventsWithoutRow).toEqual([]);
    expect(rows.size).toBeGreaterThan(1_200); // 300 silent + ~900 before the kill + 100 after
    await subscription.stop();
    await bus.close();
  });
});
