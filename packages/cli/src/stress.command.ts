import { startReferenceAgents } from '@distillery/agents';
import { AgentsClient } from '@distillery/proto';
import { DEFAULT_STRESS_SEED, generateStressScenarios, runStressScenarios, type ScenarioResult, scenarioLine, type StressAgentsPort, type StressScenario, STRESS_TURNS, type StressSummary, summarizeStress, summaryLines } from '@distillery/simulator';

/** What `distillery stress` was asked, parsed from its arguments. */
export interface StressArguments {
  readonly scenarios: number;
  readonly turns: number;
  readonly seed: number;
  readonly runs: number;
  readonly concurrency: number;
  /** The agents' dealership seed the scenarios name vehicles and customers of. */
  readonly dealershipSeed: number;
  /** host:port of a running agents gRPC API; absent: the agents started in this process for each run, on `backend`. */
  readonly agents?: string;
  /** The embedded agents' backend: the reference teacher, the student on the serving service, or an OpenAI-compatible endpoint. */
  readonly backend: EmbeddedBackend;
  /** The API key for `agents` (its tenant must be an admin tenant). */
  readonly apiKey: string;
  /** Percent: exit 1 when pass^k is below it. */
  readonly requirePassRate?: number;
}

export const EMBEDDED_BACKENDS = ['reference', 'serving', 'openai'] as const;
export type EmbeddedBackend = (typeof EMBEDDED_BACKENDS)[number];

/** What the embedded agents read of this process's environment for a backend other than the reference teacher. */
const BACKEND_VARIABLES = [
  'DISTILLERY_SERVING_URL', 'DISTILLERY_SERVING_MODEL', 'DISTILLERY_SERVING_API_KEY', 'DISTILLERY_OPENAI_BASE_URL', 'DISTILLERY_OPENAI_MODEL', 'DISTILLERY_OPENAI_API_KEY',
  'DISTILLERY_OPENAI_TIMEOUT_MS', 'DISTILLERY_AGENTS_PROMPT_PROFILE',
] as const;

const WHOLE: Readonly<Record<string, keyof StressArguments>> = { '--scenarios': 'scenarios', '--turns': 'turns', '--seed': 'seed', '--runs': 'runs', '--concurrency': 'concurrency', '--dealership-seed': 'dealershipSeed' };

/**
 * `distillery stress [--scenarios 120] [--turns 10] [--seed N] [--runs k] [--concurrency N] [--dealership-seed N] [--agents HOST:PORT | --backend reference|serving|openai] [--require-pass-rate PERCENT]`.
 * The default seed (DEFAULT_STRESS_SEED, 9001) is the stress set's own; the personas are drawn from indices no training campaign reaches. Throws an Error naming the bad argument.
 */
export function parseStressArguments(args: readonly string[], env: Readonly<Record<string, string | undefined>>): StressArguments {
  const parsed: Record<string, unknown> = { scenarios: 120, turns: STRESS_TURNS, seed: DEFAULT_STRESS_SEED, runs: 1, concurrency: 4, dealershipSeed: Number(env.DISTILLERY_AGENTS_SEED ?? 7), backend: 'reference', apiKey: env.DISTILLERY_STRESS_API_KEY ?? 'dev-key' };
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
    } else if (flag === '--backend') {
      if (!(EMBEDDED_BACKENDS as readonly string[]).includes(value)) throw new Error(`--backend: expected one of ${EMBEDDED_BACKENDS.join(', ')}, got ${JSON.stringify(value)}`);
      parsed.backend = value;
    } else if (flag === '--require-pass-rate') {
      const rate = Number(value);
      if (!Number.isFinite(rate) || rate < 0 || rate > 100) throw new Error(`--require-pass-rate: expected a percentage from 0 to 100, got ${JSON.stringify(value)}`);
      parsed.requirePassRate = rate;
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  if (parsed.agents && parsed.backend !== 'reference') throw new Error('--backend picks the embedded agents\' backend; with --agents the backend is whatever those agents run');
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

/**
 * The agents alone in this process on a fresh dealership, so every run starts from the same
 * business: the reference teacher (no mistakes) by default, or the `serving` / `openai` backend
 * configured from this process's environment (DISTILLERY_SERVING_URL, DISTILLERY_OPENAI_BASE_URL, …).
 */
export async function embeddedAgents(dealershipSeed: number, backend: EmbeddedBackend = 'reference', env: Readonly<Record<string, string | undefined>> = {}): Promise<StressBackend> {
  const passed = Object.fromEntries(BACKEND_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
  const agents = await startReferenceAgents({ seed: dealershipSeed, tenant: 'stress', env: { ...passed, DISTILLERY_AGENTS_ADMIN_TENANTS: 'stress', DISTILLERY_AGENTS_BACKEND: backend } });
  const name = backend === 'reference' ? 'the reference teacher' : backend === 'serving' ? `the student on ${env.DISTILLERY_SERVING_URL ?? 'the serving service'}` : `the model at ${env.DISTILLERY_OPENAI_BASE_URL ?? '?'}`;
  return { port: agents.client, name: `${name} (embedded agents, ${agents.address})`, close: () => agents.close() };
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
export async function stressCommand(
  args: StressArguments,
  write: (line: string) => void,
  backendFor?: (run: number) => Promise<StressBackend>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<StressOutcome> {
  const scenarios = generateStressScenarios({ seed: args.seed, count: args.scenarios, dealershipSeed: args.dealershipSeed, turns: args.turns });
  const open = backendFor ?? ((_run: number) => (args.agents ? Promise.resolve(remoteAgents(args.agents, args.apiKey)) : embeddedAgents(args.dealershipSeed, args.backend, env)));
  const switches = countSwitches(scenarios);
  write(`distillery stress — ${scenarios.length} scenarios × ${args.turns} turns (seed ${args.seed}); switches: ${Object.entries(switches).map(([kind, count]) => `${count} ${kind.replace('_', ' ')}`).join(', ')}`);
  if (args.agents && args.runs > 1) write(`note: run 2 on ${args.agents} finds what run 1 booked and reserved; reset that dealership between runs, or let stress start the agents (--backend) for pass^k`);
  const runs: ScenarioResult[][] = [];
  for (let run = 1; run <= args.runs; run++) {
    const backend = await open(run);
    try {
      write(`run ${run}/${args.runs} against ${backend.name}`);
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

/** Switches made over the scenarios, by kind. */
function countSwitches(scenarios: readonly StressScenario[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const change of scenarios.flatMap((scenario) => scenario.turns.flatMap((turn) => turn.before))) counts[change.kind] = (counts[change.kind] ?? 0) + 1;
  return counts;
}
