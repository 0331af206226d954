/**
 * Bus benchmark: events/s and producer → consumer → PostgreSQL-effect latency, over the embedded
 * bus (PGlite) and over Kafka (PostgreSQL). Each event's effect is a row written with its inbox row
 * in one transaction: per record (one transaction per event), or batched (one per partition batch,
 * `Inbox.handleBatch`). Prints a table; asserts nothing.
 *
 *   npm run build && npm run bench:bus                       # embedded only
 *   bash infra/kafka/kafka.sh start && bash infra/postgres/postgres.sh start
 *   DISTILLERY_TEST_KAFKA_BROKERS=127.0.0.1:9092 DISTILLERY_TEST_DATABASE_URL=$(bash infra/postgres/postgres.sh url) npm run bench:bus
 *
 * Options (env): BENCH_BURST (events of the batched throughput run, default 50000; the per-record
 * run takes a tenth), BENCH_PACED (events of the latency run, default 20000), BENCH_RATE (events/s
 * of the latency run, default 2000).
 */
import { randomUUID } from 'node:crypto';
import { type Bus, type BusRecord, EmbeddedBus, KafkaBus } from '@distillery/bus';
import { Inbox } from '../src/inbox.js';
import { type Database, openDatabase } from '../src/database.js';
import { serviceSchemaMigration } from '../src/service-schema.migration.js';

const burst = Number(process.env.BENCH_BURST ?? 50_000);
const paced = Number(process.env.BENCH_PACED ?? 20_000);
const rate = Number(process.env.BENCH_RATE ?? 2_000);
/** A paced producer sends what is due every this many ms (a producer's linger). */
const TICK_MS = 5;
const EVENT_ID = 'distillery-event-id';

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

async function measure(adapter: string, bus: Bus, db: Database, run: string, events: number, batched: boolean, perSecond: number | undefined): Promise<Row> {
  const topic = `bench.${run.replace(/\W+/g, '-')}.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([topic, `${topic}.dlq`]);
  const inbox = new Inbox(db.dataSource, 'bench', `bench-${topic}`);
  const latencies: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const observe = (records: readonly BusRecord[]) => {
    const now = performance.now() + performance.timeOrigin;
    for (const record of records) latencies.push(now - Number(record.value!.toString()));
    if (latencies.length >= events) done();
  };
  const subscription = await bus.subscribe({
    groupId: `bench-${topic}`,
    topics: [topic],
    handler: async (record) => {
      await inbox.handleOnce(record, (manager) => manager.query('INSERT INTO bench.effects (event_id) VALUES ($1)', [record.headers[EVENT_ID]]));
      observe([record]);
    },
    ...(batched
      ? {
          batchHandler: async (records: readonly BusRecord[]) => {
            const items = records.map((record) => ({ record }));
            await inbox.handleBatch(items, (manager, fresh) => manager.query('INSERT INTO bench.effects (event_id) SELECT unnest($1::text[])', [fresh.map(({ record }) => record.headers[EVENT_ID])]));
            observe(records);
          },
        }
      : {}),
  });
  const record = (i: number, sentAt: number) => ({ key: `k${i % 64}`, value: String(sentAt), headers: { [EVENT_ID]: `${topic}-${i}` } });
  const started = performance.now();
  if (perSecond) {
    // Every tick sends what has come due, each event stamped with the moment it was due.
    for (let sent = 0; sent < events; ) {
      const due = Math.min(events, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
      const batch = Array.from({ length: due - sent }, (_, j) => record(sent + j, performance.timeOrigin + started + ((sent + j) / perSecond) * 1000));
      if (batch.length) await bus.publish(topic, batch);
      sent = due;
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  } else {
    for (let i = 0; i < events; i += 1_000) {
      const now = performance.now() + performance.timeOrigin;
      await bus.publish(topic, Array.from({ length: Math.min(1_000, events - i) }, (_, j) => record(i + j, now)));
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
  const rows: Row[] = [];
  const runs = [
    { run: 'burst, per record', events: Math.ceil(burst / 10), batched: false, perSecond: undefined },
    { run: 'burst, batched', events: burst, batched: true, perSecond: undefined },
    { run: `${rate}/s, batched`, events: paced, batched: true, perSecond: rate },
  ];
  for (const { run, events, batched, perSecond } of runs) {
    process.stdout.write(`${adapter}: ${run}, ${events} events …\n`);
    rows.push(await measure(adapter, bus, db, run, events, batched, perSecond));
  }
  await bus.close();
  await db.close();
  return rows;
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
