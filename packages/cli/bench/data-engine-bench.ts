/**
 * Data-engine benchmark: conversations/min and traces/s through simulate → judge → curate. One
 * simulator campaign (reference personas) drives the agents over gRPC; the judge refines every
 * call; the curator builds the campaign's datasets on campaigns.completed. Prints tables; asserts
 * nothing. Embedded: every service in this process on the in-process bus and PGlite.
 *
 *   npm run build && npm run bench:engine
 *
 * Distributed (real Kafka and PostgreSQL, two judge replicas in one consumer group):
 *   bash infra/kafka/kafka.sh start && bash infra/postgres/postgres.sh start
 *   DISTILLERY_TEST_KAFKA_BROKERS=127.0.0.1:9092 DISTILLERY_TEST_DATABASE_URL=$(bash infra/postgres/postgres.sh url) npm run bench:engine
 *
 * Options (env): BENCH_CONVERSATIONS (default 200), BENCH_CONCURRENCY (default 8).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentsService } from '@distillery/agents';
import { subscribeEvents } from '@distillery/bus';
import { type DatasetReady, datasetReadyContract, traceRefinedContract } from '@distillery/contracts';
import { curatorService } from '@distillery/curator';
import { judgeService } from '@distillery/judge';
import { freePort, type RunningApp, startApp } from '@distillery/service-kit';
import { type CampaignProgress, simulatorService } from '@distillery/simulator';
import { createScratchDatabase } from '@distillery/testing';
import { operatorHeaders } from '../src/loop-stages.js';

const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const brokers = process.env.DISTILLERY_TEST_KAFKA_BROKERS;
const databaseUrl = process.env.DISTILLERY_TEST_DATABASE_URL;
const distributed = Boolean(brokers && databaseUrl);

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'distillery-engine-bench-'));
  const scratch = distributed ? await createScratchDatabase(databaseUrl!) : undefined;
  const grpcPort = await freePort();
  const env = {
    DISTILLERY_DATA_DIR: dataDir,
    DISTILLERY_LOG_LEVEL: 'warn',
    DISTILLERY_AGENTS_GRPC_PORT: String(grpcPort),
    DISTILLERY_AGENTS_RATE_PER_MINUTE: '1000000',
    DISTILLERY_AGENTS_RATE_BURST: '10000',
    DISTILLERY_CURATOR_POLL_MS: '100',
    ...(distributed ? { DISTILLERY_MODE: 'distributed', DISTILLERY_KAFKA_BROKERS: brokers!, DISTILLERY_DATABASE_URL: scratch!.url } : {}),
  };
  const apps: RunningApp[] = [];
  try {
    // Embedded, one process holds every service; distributed, each service is its own app (and two judges share traces.raw).
    if (distributed) {
      for (const [name, service] of [['agents', agentsService], ['judge-a', judgeService], ['judge-b', judgeService], ['curator', curatorService], ['simulator', simulatorService]] as const) {
        apps.push(await startApp([service], { name, defaultPort: 0, env }));
      }
    } else {
      apps.push(await startApp([agentsService, simulatorService, judgeService, curatorService], { name: 'engine', defaultPort: 0, env }));
    }
    const simulator = apps.at(-1)!;
    const campaignId = `camp_bench_${randomUUID().slice(0, 8)}`;
    const started = performance.now();
    let lastRefined = started;
    let refined = 0;
    let dataset: { data: DatasetReady; at: number } | undefined;
    const bus = apps[0]!.platform.bus;
    const turnsOf = new Set<string>();
    const refinedSub = await subscribeEvents(bus, traceRefinedContract, {
      groupId: `bench-refined-${campaignId}`,
      handler: async (event) => {
        if (event.data.campaignId !== campaignId || turnsOf.has(event.data.turnId)) return;
        turnsOf.add(event.data.turnId);
        refined++;
        lastRefined = performance.now();
      },
    });
    const readySub = await subscribeEvents(bus, datasetReadyContract, {
      groupId: `bench-ready-${campaignId}`,
      handler: async (event) => {
        if (event.data.lineage.campaignId === campaignId) dataset ??= { data: event.data, at: performance.now() };
      },
    });

    const response = await fetch(`${simulator.url}/simulator/campaigns`, {
      method: 'POST',
      headers: operatorHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ campaignId, count: conversations, seed: 3, concurrency }),
    });
    if (response.status !== 201) throw new Error(`POST /simulator/campaigns answered ${response.status}: ${await response.text()}`);
    let progress: CampaignProgress;
    for (;;) {
      progress = (await (await fetch(`${simulator.url}/simulator/campaigns/${campaignId}`, { headers: operatorHeaders() })).json()) as CampaignProgress;
      if (progress.status === 'completed') break;
      await sleep(100);
    }
    const simulated = performance.now();
    while (!dataset) await sleep(50);
    await refinedSub.stop();
    await readySub.stop();

    const seconds = (at: number) => (at - started) / 1000;
    const mode = distributed ? 'Kafka + PostgreSQL, two judge replicas' : 'embedded (in-process bus, PGlite)';
    process.stdout.write(`\ndata-engine benchmark — ${mode}, reference simulator, agents and judge; ${conversations} conversations, ${concurrency} at a time, 2 cores\n\n`);
    process.stdout.write(
      `${table(
        ['stage', 'done after s', 'throughput'],
        [
          ['simulate (campaign completed)', seconds(simulated).toFixed(1), `${((progress.conversations.done / seconds(simulated)) * 60).toFixed(0)} conversations/min, ${(progress.turns / seconds(simulated)).toFixed(1)} turns/s`],
          ['judge (last turn refined)', seconds(lastRefined).toFixed(1), `${(refined / seconds(lastRefined)).toFixed(1)} traces/s end to end`],
          ['curate (datasets.ready)', seconds(dataset.at).toFixed(1), `${((dataset.at - Math.max(simulated, lastRefined)) / 1000).toFixed(1)} s after the last refined turn`],
        ],
      )}\n`,
    );
    process.stdout.write(
      `\ncampaign: ${progress.conversations.done} done, ${progress.conversations.failed} failed; EXIT ${Object.entries(progress.exits).map(([reason, n]) => `${n} ${reason}`).join(', ')}; ${progress.turns} turns, ${refined} refined\n` +
        `dataset ${dataset.data.datasetId} v${dataset.data.version}: ${Object.entries(dataset.data.counts).map(([part, n]) => `${part} ${n}`).join(', ')}\n`,
    );
  } finally {
    for (const app of apps.reverse()) await app.close();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
