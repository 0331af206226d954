import { randomUUID } from 'node:crypto';
import type { StressAgentsPort } from './stress-agents-port.js';
import type { StressRunRequest } from './stress-run-request.js';
import { StressRunNotFoundError } from './stress-run-not-found.error.js';
import { StressRunsStoppedError } from './stress-runs-stopped.error.js';
import { runStressScenarios, type ScenarioResult } from './stress-runner.js';
import { generateStressScenarios } from './stress-scenario-generator.js';

export type StressRunStatus = 'queued' | 'running' | 'done' | 'failed';

/** A stress run as the API answers it (GET /stress-runs/:runId). */
export interface StressRunView {
  readonly runId: string;
  /** The model version the sessions were pinned to (`serving_model`); null: whatever the agents serve. */
  readonly model: string | null;
  readonly status: StressRunStatus;
  readonly scenarios: number;
  readonly turns: number;
  readonly seed: number;
  /** Scenarios finished so far. */
  readonly played: number;
  readonly passed: number;
  /** passed / scenarios once done; null before, and for a failed run (no measure). */
  readonly passRate: number | null;
  /** In finishing order while running; in the scenarios' order once done. */
  readonly results: readonly ScenarioResult[];
  /** Why a failed run failed. */
  readonly error?: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface StressRunsOptions {
  /** The agents the scenarios are played against; their API key's tenant must be an admin tenant (business switches, `serving_model`). */
  readonly agents: StressAgentsPort;
  /** The agents' dealership seed: the scenarios name its vehicles and customers. */
  readonly dealershipSeed: number;
  /** Finished runs kept for GET; the oldest are dropped past it. */
  readonly keep?: number;
  /** Told of every run that ends (done or failed), e.g. for the metrics. */
  readonly onFinished?: (run: StressRunView) => void;
}

/** Finished runs a replica keeps by default. */
export const KEPT_STRESS_RUNS = 100;

type MutableRun = { -readonly [K in keyof StressRunView]: StressRunView[K] } & { results: ScenarioResult[]; concurrency: number };

/**
 * The stress runs asked of this replica, played ONE AT A TIME in arrival order: a scenario that
 * switches a rule or a tool changes the business every session of the agents sees, so two runs
 * must never overlap. Each run generates its scenarios (seed, count, the dealership) and plays them
 * with the sessions pinned to its model (`serving_model` in the session metadata).
 *
 * Runs are held in memory only: a restarted replica forgets them (GET answers 404) and the caller
 * asks again. Stopping (drain) fails the queued runs and the running one at once, without waiting
 * for it: its calls in flight are abandoned, so a rule or tool it switched may stay switched on the
 * agents until someone reverts it.
 */
export class StressRuns {
  /** Every run held, in arrival order (a Map keeps insertion order). */
  private readonly runs = new Map<string, MutableRun>();
  private readonly queue: MutableRun[] = [];
  private current: { readonly run: MutableRun; readonly abort: AbortController } | undefined;
  private working = false;
  private stopped = false;

  constructor(private readonly options: StressRunsOptions) {}

  /** Queues a run (StressRunsStoppedError while draining); it starts once every run asked before it has ended. */
  submit(request: StressRunRequest, now = new Date()): StressRunView {
    if (this.stopped) throw new StressRunsStoppedError();
    const run: MutableRun = {
      runId: newStressRunId(now),
      model: request.model ?? null,
      status: 'queued',
      scenarios: request.scenarios,
      turns: request.turns,
      seed: request.seed,
      concurrency: request.concurrency,
      played: 0,
      passed: 0,
      passRate: null,
      results: [],
      createdAt: now.toISOString(),
    };
    this.runs.set(run.runId, run);
    this.queue.push(run);
    // Started after this answer is on its way: generating the scenarios takes a moment.
    setImmediate(() => void this.work());
    return viewOf(run);
  }

  /** The run (StressRunNotFoundError when this replica holds none of that id). */
  find(runId: string): StressRunView {
    const run = this.runs.get(runId);
    if (!run) throw new StressRunNotFoundError(runId);
    return viewOf(run);
  }

  /** Every run held, newest first. */
  list(): StressRunView[] {
    return [...this.runs.values()].reverse().map(viewOf);
  }

  /** Drain: takes no new runs, fails the queued ones and the running one (its agents calls abandoned) without waiting for it. */
  stop(): void {
    this.stopped = true;
    for (const run of this.queue.splice(0)) this.finish(run, { error: 'the simulator replica stopped before the run started; ask again' });
    if (this.current) {
      this.current.abort.abort(new Error('the simulator replica is stopping'));
      this.finish(this.current.run, { error: 'the simulator replica stopped during the run; ask again' });
    }
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      for (let run = this.queue.shift(); run && !this.stopped; run = this.queue.shift()) await this.play(run);
    } finally {
      this.working = false;
    }
  }

  private async play(run: MutableRun): Promise<void> {
    const abort = new AbortController();
    this.current = { run, abort };
    run.status = 'running';
    run.startedAt = new Date().toISOString();
    try {
      const scenarios = generateStressScenarios({ seed: run.seed, count: run.scenarios, dealershipSeed: this.options.dealershipSeed, turns: run.turns });
      const results = await runStressScenarios(scenarios, {
        agents: abortable(this.options.agents, abort.signal),
        concurrency: run.concurrency,
        ...(run.model === null ? {} : { sessionMetadata: { serving_model: run.model } }),
        onScenario: (result) => {
          if (run.status !== 'running') return;
          run.results.push(result);
          run.played = run.results.length;
          if (result.passed) run.passed += 1;
        },
      });
      const unmeasured = results.length > 0 && results.every((result) => result.firstFailure?.kind === 'error' && result.firstFailure.turn === 1);
      // Nothing judged: every scenario's session or first turn failed on an agents call (unreachable, the key, the model or a switch refused). That is no pass rate of the model;
      // an error after a judged turn (an answer past the deadline) fails its scenario like any other failure.
      this.finish(run, unmeasured ? { error: `every scenario failed on an agents call: ${results[0]!.firstFailure!.reason}` } : { results });
    } catch (error) {
      this.finish(run, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.current = undefined;
    }
  }

  /** Ends a run once (a run failed by `stop` keeps that ending whatever its abandoned calls do), tells onFinished, drops the oldest finished runs past `keep`. */
  private finish(run: MutableRun, ending: { readonly results: ScenarioResult[] } | { readonly error: string }): void {
    if (run.status === 'done' || run.status === 'failed') return;
    run.finishedAt = new Date().toISOString();
    if ('results' in ending) {
      run.status = 'done';
      run.results = ending.results;
      run.played = ending.results.length;
      run.passed = ending.results.filter((result) => result.passed).length;
      run.passRate = run.played ? run.passed / run.played : 0;
    } else {
      run.status = 'failed';
      run.error = ending.error;
    }
    this.options.onFinished?.(viewOf(run));
    this.dropOldest();
  }

  private dropOldest(): void {
    const finished = [...this.runs.values()].filter((run) => run.status === 'done' || run.status === 'failed');
    for (const run of finished.slice(0, Math.max(0, finished.length - (this.options.keep ?? KEPT_STRESS_RUNS)))) this.runs.delete(run.runId);
  }
}

/** A fresh run id: `stress_20261207_011500_3f9a1c`. */
function newStressRunId(now: Date): string {
  return `stress_${now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)}_${randomUUID().slice(0, 6)}`;
}

function viewOf(run: MutableRun): StressRunView {
  const { concurrency: _concurrency, results, ...view } = run;
  return { ...view, results: [...results] };
}

/** The port with every call cut short (rejected with the signal's reason) once the signal is aborted, so a drained run ends at once. */
function abortable(agents: StressAgentsPort, signal: AbortSignal): StressAgentsPort {
  const guarded = <T>(call: () => Promise<T>): Promise<T> => {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      call().then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error as Error);
        },
      );
    });
  };
  return {
    createSession: (request) => guarded(() => agents.createSession(request)),
    sendMessage: (request) => guarded(() => agents.sendMessage(request)),
    applyBusinessChange: (change) => guarded(() => agents.applyBusinessChange(change)),
    getTurnTrace: (sessionId, turnId) => guarded(() => agents.getTurnTrace(sessionId, turnId)),
  };
}
