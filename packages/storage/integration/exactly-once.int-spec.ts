/**
 * Needs a real Kafka broker and PostgreSQL (DISTILLERY_TEST_KAFKA_BROKERS, DISTILLERY_TEST_DATABASE_URL; `npm test` starts both).
 * 10,000 events over 3 partitions; two consumer processes in one group share them; one is killed
 * mid-stream; every event's effect exists exactly once in PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaBus } from '@distillery/bus';
import { eventually, integrationServers, spawnNode } from '@distillery/testing';
import { describe, expect, it } from 'vitest';
import { useScratchSchema } from './scratch-schema.js';

const servers = integrationServers();
const fixture = (name: string) => resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures', name);

describe.skipIf(!servers)('exactly-once effects over Kafka and PostgreSQL', () => {
  const scratch = useScratchSchema(servers?.databaseUrl, 'consumer', 1764000000101, 'CREATE TABLE consumer.effects (event_id text NOT NULL, consumer text NOT NULL)');

  it('survives a consumer process killed mid-stream', async () => {
    const topic = `test.exactly-once.${randomUUID()}`;
    const bus = new KafkaBus({ brokers: servers!.kafkaBrokers, clientId: 'exactly-once-producer', partitions: 3 });
    await bus.ensureTopics([topic, `${topic}.dlq`]);
    const args = (name: string) => [servers!.kafkaBrokers.join(','), scratch.url, topic, name];
    const first = spawnNode(fixture('effect-consumer.js'), args('first'), {});
    const second = spawnNode(fixture('effect-consumer.js'), args('second'), {});
    await Promise.all([first.waitFor('ready'), second.waitFor('ready')]);

    const total = 10_000;
    for (let i = 0; i < total; i += 500) {
      await bus.publish(
        topic,
        Array.from({ length: 500 }, (_, j) => ({ key: `customer-${(i + j) % 97}`, value: String(i + j), headers: { 'distillery-event-id': `evt-${i + j}` } })),
      );
    }
    const count = async (sql: string) => Number((await scratch.db.dataSource.query(sql))[0].n);
    await eventually(async () => (await count('SELECT count(*) AS n FROM consumer.effects')) >= 2_000, 'the first 2,000 effects');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    await eventually(async () => (await count('SELECT count(DISTINCT event_id) AS n FROM consumer.effects')) === total, 'every effect', 240_000);
    expect(await count('SELECT count(*) AS n FROM consumer.effects')).toBe(total);
    expect(await count(`SELECT count(*) AS n FROM consumer.inbox WHERE consumer_group = 'effects'`)).toBe(total);
    expect(await count(`SELECT count(DISTINCT consumer) AS n FROM consumer.effects`)).toBe(2);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await bus.close();
  });
});
