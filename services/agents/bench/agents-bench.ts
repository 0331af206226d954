/**
 * Agents benchmark: turns/s through the gRPC API and the orchestration overhead per turn (server
 * time minus model and tool time) with the reference backend, the turn's phases from the service's
 * own /metrics histogram, and the sandbox's plan execution time. Prints tables; asserts nothing. Embedded: PGlite in a temporary directory, the real gRPC
 * server. The load generator (a grpc-js client playing the scripted conversations) runs in a child
 * process, as product apps do, so its work and garbage do not land in the measured service.
 *
 *   npm run build && npm run bench:agents
 *
 * Distributed (real Kafka and PostgreSQL instead of the embedded bus and PGlite):
 *   bash infra/kafka/kafka.sh start && bash infra/postgres/postgres.sh start
 *   DISTILLERY_TEST_KAFKA_BROKERS=127.0.0.1:9092 DISTILLERY_TEST_DATABASE_URL=$(bash infra/postgres/postgres.sh url) npm run bench:agents
 *
 * Options (env): BENCH_CONVERSATIONS (default 200), BENCH_CONCURRENCY (default 4), BENCH_PLANS
 * (sandbox runs, default 2000), BENCH_WARMUP (conversations played before the timed ones besides
 * the first 10, default 100).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PlanSandbox, TOOL_ARGS } from '@distillery/dealership';
import { AgentsClient } from '@distillery/proto';
import { runScriptedConversations, type ScriptedTurnResult, scriptedConversations } from '@distillery/reference-teacher';
import { TURN_PHASES } from '../src/agents-metrics.js';
import { startBenchAgents } from './bench-agents.js';

const conversationCount = Number(process.env.BENCH_CONVERSATIONS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const planRuns = Number(process.env.BENCH_PLANS ?? 2_000);
const warmUp = Number(process.env.BENCH_WARMUP ?? 100);
const SEED = 3;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

const ms = (value: number) => value.toFixed(2);

/** A quantile from cumulative histogram buckets, interpolated within its bucket (as PromQL's histogram_quantile). */
function bucketQuantile(buckets: ReadonlyArray<{ le: number; count: number }>, q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  const rank = q * total;
  let previous = { le: 0, count: 0 };
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return previous.le;
      return previous.le + (bucket.le - previous.le) * ((rank - previous.count) / Math.max(1, bucket.count - previous.count));
    }
    previous = bucket;
  }
  return Number.NaN;
}

async function main(): Promise<void> {
  // Distributed runs get a scratch database, so every run starts from the freshly seeded dealership.
  const { agents, mode, close } = await startBenchAgents({ seed: SEED, tenant: 'bench' });
  const { app, address } = agents;
  try {
    // The load generator in its own process: warm-up conversations, then (the service's histograms
    // cleared) the timed ones, in one process so that the client's own JIT warm-up is over too.
    const loadGenerator = fork(fileURLToPath(import.meta.url), ['--client', address], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<never>((_, reject) => loadGenerator.once('exit', (code) => reject(new Error(`agents bench: the load generator exited with code ${code}`))));
    const message = <T>() => Promise.race([new Promise<T>((resolve) => loadGenerator.once('message', (value) => resolve(value as T))), exited]);
    await message<'warmed'>();
    app.platform.metrics.registry.getSingleMetric('distillery_agents_turn_phase_seconds')!.reset();
    const cpuBefore = process.cpuUsage();
    loadGenerator.send('go');
    const { results, seconds } = await message<{ results: ScriptedTurnResult[]; seconds: number }>();
    const cpu = process.cpuUsage(cpuBefore);
    const server = results.map((turn) => turn.serverMs);
    const overhead = results.map((turn) => turn.serverMs - turn.modelMs - turn.toolMs);
    const withTools = results.map((turn) => turn.serverMs - turn.modelMs);
    const clientLatency = results.map((turn) => turn.latencyMs);
    const model = results.map((turn) => turn.modelMs);
    const toolTime = results.map((turn) => turn.toolMs);
    process.stdout.write(`\nagents benchmark — reference backend, ${mode}, gRPC on localhost, ${concurrency} concurrent conversation(s)\n\n`);
    process.stdout.write(
      `${table(
        ['conversations', 'turns', 'turns/s', 'client turn p50 ms', 'client turn p99 ms', 'server turn p50 ms', 'server turn p99 ms', 'model p50 ms', 'tools p50 ms', 'tools p99 ms', 'overhead p50 ms', 'overhead p99 ms', 'overhead + tools p50 ms', 'overhead + tools p99 ms', 'service CPU per turn ms', 'turns off script'],
        [[conversationCount, results.length, (results.length / seconds).toFixed(1), ms(percentile(clientLatency, 50)), ms(percentile(clientLatency, 99)), ms(percentile(server, 50)), ms(percentile(server, 99)), ms(percentile(model, 50)), ms(percentile(toolTime, 50)), ms(percentile(toolTime, 99)), ms(percentile(overhead, 50)), ms(percentile(overhead, 99)), ms(percentile(withTools, 50)), ms(percentile(withTools, 99)), ms((cpu.user + cpu.system) / 1000 / results.length), results.filter((turn) => turn.problems.length).length]],
      )}\n`,
    );
    process.stdout.write('\noverhead = server time of the turn (session load, rules check, prompts, Evaluator, sandbox, turn + trace written through the outbox) minus the time inside the model port and inside the dealership tools (their own queries); overhead + tools leaves the tools in. Service CPU: the CPU time of the service process (every thread: gRPC, pipeline, sandbox worker, outbox relay, GC) over the timed turns, per turn.\n');

    // Where the time goes, from the service's own /metrics histogram (the timed turns; quantiles interpolated within buckets).
    const phases = (await app.platform.metrics.registry.getSingleMetric('distillery_agents_turn_phase_seconds')!.get()).values as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
    const buckets = (phase: string) => phases.filter((value) => value.metricName?.endsWith('_bucket') && value.labels.phase === phase).map((value) => ({ le: Number(value.labels.le), count: value.value }));
    process.stdout.write(`\nturn phases (server side, /metrics distillery_agents_turn_phase_seconds)\n\n${table(['phase', 'p50 ms', 'p90 ms', 'p99 ms'], TURN_PHASES.map((phase) => [phase, ...[0.5, 0.9, 0.99].map((q) => ms(1000 * bucketQuantile(buckets(phase), q)))]))}\n`);
    process.stdout.write('\nsandbox = plan execution less its tools (the worker hand-over included); write = the turn, its memory and its trace event in one statement.\n');

    // The sandbox alone: the plans the turns produced, run back to back with instant tools.
    const plans = results.map((turn) => turn.planCode).filter(Boolean);
    const sandbox = new PlanSandbox();
    const instant = async () => ({ ok: true, vehicles: [], testDrives: [{ id: 'td_0' }], slots: [] });
    const tools = Object.fromEntries(Object.keys(TOOL_ARGS).map((name) => [name, instant]));
    const durations: number[] = [];
    for (let run = 0; run < planRuns; run++) {
      const outcome = await sandbox.execute(plans[run % plans.length]!, tools);
      if (run >= 100) durations.push(outcome.durationMs);
    }
    const paced: number[] = [];
    for (let run = 0; run < 200; run++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      paced.push((await sandbox.execute(plans[run % plans.length]!, tools)).durationMs);
    }
    await sandbox.close();
    process.stdout.write(`\nsandbox — the ${plans.length} plans of the run, QuickJS in a worker, instant tools\n\n`);
    process.stdout.write(`${table(['run', 'plans', 'p50 ms', 'p99 ms'], [['back to back', durations.length, ms(percentile(durations, 50)), ms(percentile(durations, 99))], ['5 ms apart', paced.length, ms(percentile(paced, 50)), ms(percentile(paced, 99))]])}\n`);
  } finally {
    await close();
  }
}

/**
 * The child: plays the warm-up (JIT, sandbox, database caches: the first 10 conversations, then
 * `warmUp` more of the kinds that book nothing, so the timed ones find the dealership as before),
 * tells the parent, and on its word plays the timed ones and sends their turns back.
 */
async function client(address: string): Promise<void> {
  const agents = new AgentsClient({ address, apiKey: 'bench-key', timeoutMs: 60_000 });
  try {
    const conversations = scriptedConversations({ seed: SEED, now: new Date(), count: conversationCount + 10 });
    const bookingFree = conversations.filter((conversation) => !conversation.effect);
    const warmUpSet = [...conversations.slice(0, 10), ...Array.from({ length: warmUp }, (_, index) => bookingFree[index % bookingFree.length]!)];
    await runScriptedConversations(agents, warmUpSet, { concurrency });
    const go = new Promise((resolve) => process.once('message', resolve));
    process.send!('warmed');
    await go;
    const started = performance.now();
    const results = await runScriptedConversations(agents, conversations.slice(10), { concurrency });
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => process.send!({ results, seconds }, resolve));
  } finally {
    agents.close();
  }
}

await (process.argv[2] === '--client' ? client(process.argv[3]!) : main());
