/**
 * Load test (`npm run test:load`, in CI): LOAD_SESSIONS concurrent agent sessions (default 200) for
 * LOAD_SECONDS (default 60) through the gRPC API on loopback, the reference backend. Each session
 * plays the booking-free turns of the scripted conversations one after another, a turn in flight
 * at a time (bounded: LOAD_SESSIONS calls at most), and starts a new session after its last.
 * The load generator is a child process, as product apps are. Prints sessions, turns, errors by
 * code, turns/s and the latency p50/p90/p99/max; exits 1 on any error.
 *
 * Embedded (PGlite) by default; on real Kafka and PostgreSQL when DISTILLERY_TEST_KAFKA_BROKERS and
 * DISTILLERY_TEST_DATABASE_URL are set (as `npm test` sets them).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AgentsClient } from '@distillery/proto';
import { scriptedConversations } from '@distillery/reference-teacher';
import { startBenchAgents } from './bench-agents.js';

const sessions = Number(process.env.LOAD_SESSIONS ?? 200);
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const SEED = 3;

interface LoadResult {
  readonly latencies: number[];
  readonly errors: Record<string, number>;
  readonly sessions: number;
  readonly seconds: number;
  readonly firstErrors: string[];
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  if (!(Number.isInteger(sessions) && sessions >= 1 && Number.isFinite(seconds) && seconds > 0)) throw new Error('LOAD_SESSIONS: expected an integer ≥ 1; LOAD_SECONDS: a number > 0');
  // One product app is one tenant: its rate limit is out of the way for the test (startBenchAgents).
  const { agents, mode, close } = await startBenchAgents({ seed: SEED, tenant: 'load' });
  let status = 0;
  try {
    const generator = fork(fileURLToPath(import.meta.url), ['--client', agents.address], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const result = await new Promise<LoadResult>((resolve, reject) => {
      generator.once('message', (message) => resolve(message as LoadResult));
      generator.once('exit', (code) => reject(new Error(`the load generator exited with code ${code}`)));
    });
    const errors = Object.values(result.errors).reduce((sum, count) => sum + count, 0);
    const ms = (value: number) => value.toFixed(0);
    process.stdout.write(
      [
        '',
        `load test — ${sessions} concurrent agent sessions for ${seconds} s, gRPC on loopback, reference backend, ${mode}`,
        '',
        '| concurrent | sessions played | turns | errors | turns/s | p50 ms | p90 ms | p99 ms | max ms |',
        '|---|---|---|---|---|---|---|---|---|',
        `| ${sessions} | ${result.sessions} | ${result.latencies.length} | ${errors} | ${(result.latencies.length / result.seconds).toFixed(1)} | ${ms(percentile(result.latencies, 50))} | ${ms(percentile(result.latencies, 90))} | ${ms(percentile(result.latencies, 99))} | ${ms(Math.max(...result.latencies))} |`,
        '',
        errors ? `errors by gRPC code: ${JSON.stringify(result.errors)}; first: ${result.firstErrors.join(' | ')}` : 'no errors',
        '',
      ].join('\n'),
    );
    if (errors > 0 || result.latencies.length === 0) status = 1;
  } finally {
    await close();
  }
  process.exitCode = status;
}

/** The child: `sessions` loops, each playing booking-free scripted turns, a turn in flight at a time, until the time is up. */
async function client(address: string): Promise<void> {
  const agents = new AgentsClient({ address, apiKey: 'load-key', timeoutMs: 60_000 });
  const turns = scriptedConversations({ seed: SEED, now: new Date(), count: 60 })
    .filter((conversation) => !conversation.effect && !conversation.after && conversation.turns.every((turn) => !turn.before))
    .map((conversation) => ({ customerRef: conversation.customerRef, says: conversation.turns.map((turn) => turn.say) }));
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const firstErrors: string[] = [];
  let played = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const failed = (error: unknown) => {
    const code = String((error as { code?: unknown }).code ?? 'client');
    errors[code] = (errors[code] ?? 0) + 1;
    if (firstErrors.length < 3) firstErrors.push(`${code} ${(error as Error).message}`.slice(0, 200));
  };
  const loop = async (index: number) => {
    for (let round = 0; performance.now() < deadline; round++) {
      const script = turns[(index + round * sessions) % turns.length]!;
      try {
        const session = await agents.createSession({ customerRef: script.customerRef, locale: 'en-US', source: 'PRODUCTION' });
        played += 1;
        for (const say of script.says) {
          if (performance.now() >= deadline) break;
          const sent = performance.now();
          await agents.sendMessage({ sessionId: session.sessionId, text: say });
          latencies.push(performance.now() - sent);
        }
      } catch (error) {
        failed(error);
      }
    }
  };
  await Promise.all(Array.from({ length: sessions }, (_, index) => loop(index)));
  const result: LoadResult = { latencies, errors, sessions: played, seconds: (performance.now() - started) / 1000, firstErrors };
  await new Promise((resolve) => process.send!(result, resolve));
  agents.close();
}

await (process.argv[2] === '--client' ? client(process.argv[3]!) : main());
