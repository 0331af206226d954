/**
 * Bus benchmark: events/s and producer → consumer → PostgreSQL-effect latency, over the embedded
 * bus (PGlite) and over Kafka (PostgreSQL). Prints a table; asserts nothing.
 *
 *   npm run build && npm run bench:bus                       # embedded only
 *   bash infra/kafka/kafka.sh start && bash infra/postgres/postgres.sh start
 *   DISTILLERY_TEST_KAFKA_BROKERS=127.0.0.1:9092 DISTILLERY_TEST_DATABASE_URL=$(bash infra/postgres/postgres.sh url) npm run bench:bus
 *
 * Options (env): BENCH_BURST (events for the throughput run, default 5000), BENCH_PACED (events
 * for the latency run, default 1000), BENCH_RATE (events/s of the latency run, default 250).
 */
import { randomUUID } from 'node:crypto';
import { type Bus, EmbeddedBus, KafkaBus } from '@distillery/bus';
import { Inbox } from '../src/inbox.js';
import { type Database, openDatabase } from '../src/database.js';
import { serviceSchemaMigration } from '../src/service-schema.migration.js';

const burst = Number(process.env.BENCH_BURST ?? 5_000);
const paced = Number(process.env.BENCH_PACED ?? 1_000);
const rate = Number(process.env.BENCH_RATE ?? 250);

interface Row {
  adapter: string;
  run: string;
  events: number;
  seconds: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(adapter: string, bus: Bus, db: Database, run: string, events: number, perSecond: number | undefined): Promise<Row> {
  const topic = `bench.${run}.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([topic, `${topic}.dlq`]);
  const inbox = new Inbox(db.dataSource, 'bench', `bench-${topic}`);
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const subscription = await bus.subscribe({
    groupId: `bench-${topic}`,
    topics: [topic],
    handler: async (record) => {
      const sentAt = Number(record.value!.toString());
      await inbox.handleOnce(record, (manager) => manager.query('INSERT INTO bench.effects (event_id) VALUES ($1)', [record.headers['distillery-event-id']]));
      latencies.push(performance.now() + performance.timeOrigin - sentAt);
      if (latencies.length === events) done();
    },
  });
  const started = performance.now();
  const batch = perSecond ? 1 : 100;
  for (let i = 0; i < events; i += batch) {
    const now = performance.now() + performance.timeOrigin;
    await bus.publish(
      topic,
      Array.from({ length: Math.min(batch, events - i) }, (_, j) => ({ key: `k${(i + j) % 64}`, value: String(now), headers: { 'distillery-event-id': `${topic}-${i + j}` } })),
    );
    if (perSecond) {
      const due = started + ((i + 1) / perSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await subscription.stop();
  latencies.sort((a, b) => a - b);
  return { adapter, run, events, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function bench(adapter: string, bus: Bus, db: Database): Promise<Row[]> {
  await db.dataSource.query('CREATE TABLE IF NOT EXISTS bench.effects (event_id text NOT NULL)');
  process.stdout.write(`${adapter}: burst of ${burst} …\n`);
  const throughput = await measure(adapter, bus, db, 'burst', burst, undefined);
  process.stdout.write(`${adapter}: ${paced} paced at ${rate}/s …\n`);
  const latency = await measure(adapter, bus, db, 'paced', paced, rate);
  await bus.close();
  await db.close();
  return [throughput, latency];
}

const migrations = [serviceSchemaMigration('bench', 1764000000301)];
const rows: Row[] = [];
rows.push(...(await bench('embedded + PGlite', new EmbeddedBus(), await openDatabase({ target: { kind: 'pglite', dataDir: 'memory://' }, schemas: ['bench'], migrations }))));
const brokers = process.env.DISTILLERY_TEST_KAFKA_BROKERS;
const databaseUrl = process.env.DISTILLERY_TEST_DATABASE_URL;
if (brokers && databaseUrl) {
  const db = await openDatabase({ target: { kind: 'postgres', url: databaseUrl }, schemas: ['bench'], migrations });
  rows.push(...(await bench('kafka + PostgreSQL', new KafkaBus({ brokers: brokers.split(','), clientId: 'bench' }), db)));
} else {
  process.stdout.write('(kafka row skipped: set DISTILLERY_TEST_KAFKA_BROKERS and DISTILLERY_TEST_DATABASE_URL)\n');
}

const format = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
process.stdout.write('\n| adapter | run | events | events/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n');
for (const row of rows) {
  process.stdout.write(`| ${row.adapter} | ${row.run} | ${row.events} | ${format(row.events / row.seconds)} | ${format(row.p50)} | ${format(row.p99)} |\n`);
}
process.exit(0);
