import { startReferenceAgents } from '@distillery/agents';
import { AgentsClient } from '@distillery/proto';
import { generateStressScenarios, runStressScenarios, type ScenarioResult, scenarioLine, type StressAgentsPort, STRESS_TURNS, type StressSummary, summarizeStress, summaryLines } from '@distillery/simulator';

/** What `distillery stress` was asked, parsed from its arguments. */
export interface StressArguments {
  readonly scenarios: number;
  readonly turns: number;
  readonly seed: number;
  readonly runs: number;
  readonly concurrency: number;
  /** The agents' dealership seed the scenarios name vehicles and customers of. */
  readonly dealershipSeed: number;
  /** host:port of a running agents gRPC API; absent: the reference teacher, started in this process for each run. */
  readonly agents?: string;
  /** The API key for `agents` (its tenant must be an admin tenant). */
  readonly apiKey: string;
  /** Percent: exit 1 when pass^k is below it. */
  readonly requirePassRate?: number;
}

const WHOLE: Readonly<Record<string, keyof StressArguments>> = { '--scenarios': 'scenarios', '--turns': 'turns', '--seed': 'seed', '--runs': 'runs', '--concurrency': 'concurrency', '--dealership-seed': 'dealershipSeed' };

/**
 * `distillery stress [--scenarios 120] [--turns 10] [--seed N] [--runs k] [--concurrency N] [--dealership-seed N] [--agents HOST:PORT] [--require-pass-rate PERCENT]`.
 * The default seed (9001) is the stress set's own; the personas are drawn from indices no training campaign reaches. Throws an Error naming the bad argument.
 */
export function parseStressArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): StressArguments {
  const parsed: Record<string, unknown> = { scenarios: 120, turns: STRESS_TURNS, seed: 9001, runs: 1, concurrency: 4, dealershipSeed: Number(env.DISTILLERY_AGENTS_SEED ?? 7), apiKey: env.DISTILLERY_STRESS_API_KEY ?? 'dev-key' };
  for (let index = 0; index < args.length; index += 2) {
    const [flag, value] = [args[index]!, args[index + 1]];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    const field = WHOLE[flag];
    if (field) {
      if (!/^\d+$/.test(value)) throw new Error(`${flag}: expected a whole number, got ${JSON.stringify(value)}`);
      parsed[field] = Number(value);
    } else if (flag === '--agents') {
      const address = value.replace(/^grpc:\/\//, '');
      if (!/^[^\s:/]+:\d{1,5}$/.test(address)) throw new Error(`--agents: expected the agents' gRPC address as host:port (e.g. 127.0.0.1:7201), got ${JSON.stringify(value)}`);
      parsed.agents = address;
    } else if (flag === '--require-pass-rate') {
      const rate = Number(value);
      if (!Number.isFinite(rate) || rate < 0 || rate > 100) throw new Error(`--require-pass-rate: expected a percentage from 0 to 100, got ${JSON.stringify(value)}`);
      parsed.requirePassRate = rate;
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  for (const field of ['scenarios', 'runs', 'concurrency'] as const) if ((parsed[field] as number) < 1) throw new Error(`--${field}: expected at least 1`);
  if ((parsed.turns as number) < 1 || (parsed.turns as number) > STRESS_TURNS) throw new Error(`--turns: expected 1 to ${STRESS_TURNS}`);
  return parsed as unknown as StressArguments;
}

/** An agents backend for one run, and how to let it go. */
export interface StressBackend {
  readonly port: StressAgentsPort;
  readonly name: string;
  close(): Promise<void>;
}

/** The reference teacher (no mistakes), alone in this process on a fresh dealership: every run starts from the same business. */
export async function embeddedTeacher(dealershipSeed: number): Promise<StressBackend> {
  const agents = await startReferenceAgents({ seed: dealershipSeed, tenant: 'stress', env: { DISTILLERY_AGENTS_ADMIN_TENANTS: 'stress' } });
  return { port: agents.client, name: `the reference teacher (embedded, ${agents.address})`, close: () => agents.close() };
}

function remoteAgents(address: string, apiKey: string): StressBackend {
  const client = new AgentsClient({ address, apiKey, timeoutMs: 120_000 });
  return { port: client, name: `the agents at ${address}`, close: async () => client.close() };
}

export interface StressOutcome {
  readonly summary: StressSummary;
  readonly runs: readonly (readonly ScenarioResult[])[];
  /** 0, or 1 when --require-pass-rate is not met. */
  readonly exitCode: number;
}

/**
 * Generates the scenarios, plays them `runs` times against the backend (a fresh embedded teacher
 * per run by default; `backendFor` lets a test wrap it), prints a line per scenario and the summary table.
 */
export async function stressCommand(args: StressArguments, write: (line: string) => void, backendFor?: (run: number) => Promise<StressBackend>): Promise<StressOutcome> {
  const scenarios = generateStressScenarios({ seed: args.seed, count: args.scenarios, dealershipSeed: args.dealershipSeed, turns: args.turns });
  const open = backendFor ?? ((_run: number) => (args.agents ? Promise.resolve(remoteAgents(args.agents, args.apiKey)) : embeddedTeacher(args.dealershipSeed)));
  const runs: ScenarioResult[][] = [];
  for (let run = 1; run <= args.runs; run++) {
    const backend = await open(run);
    try {
      write(`distillery stress — run ${run}/${args.runs}: ${scenarios.length} scenarios × ${args.turns} turns (seed ${args.seed}) against ${backend.name}`);
      runs.push(await runStressScenarios(scenarios, { agents: backend.port, concurrency: args.concurrency, run, onScenario: (result) => write(scenarioLine(result, run, args.runs)) }));
    } finally {
      await backend.close();
    }
  }
  const summary = summarizeStress(runs, args.turns);
  for (const line of summaryLines(summary)) write(line);
  const short = args.requirePassRate !== undefined && summary.passAllRuns * 100 < args.requirePassRate;
  if (short) write(`pass^${summary.runs} ${(summary.passAllRuns * 100).toFixed(2)}% is below the required ${args.requirePassRate}%`);
  return { summary, runs, exitCode: short ? 1 : 0 };
}
