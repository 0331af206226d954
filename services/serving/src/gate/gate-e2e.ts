import { setTimeout as delay } from 'node:timers/promises';
import { type MetricSummary, wilsonInterval } from '@distillery/evaluation';
import { GateE2eError } from './gate.errors.js';

/** The E2E stress test's outcome for one served version. */
export interface E2eOutcome {
  readonly passed: number;
  readonly scenarios: number;
  /** The simulator's stress run, for the record. */
  readonly runId: string;
}

/** What measures a version end to end: the E2E stress test played through the agents against it. */
export interface E2eProbe {
  passRate(version: string, signal: AbortSignal): Promise<E2eOutcome>;
}

/** The gate's row for the E2E stress test beside the agent metrics: scenarios passed, with a Wilson interval. */
export function e2eSummary(outcome: E2eOutcome): MetricSummary {
  const interval = wilsonInterval(outcome.passed, outcome.scenarios);
  return { agent: 'e2e', metric: 'pass_rate', n: outcome.scenarios, mean: outcome.scenarios ? outcome.passed / outcome.scenarios : 0, low: interval.low, high: interval.high };
}

export interface SimulatorStressProbeOptions {
  /** The simulator's HTTP API (DISTILLERY_SERVING_GATE_E2E_URL). */
  readonly baseUrl: string;
  /** Scenarios of the stress test played per version (DISTILLERY_SERVING_GATE_E2E_SCENARIOS). */
  readonly scenarios: number;
  /** Turns a scenario plays, of its ten (DISTILLERY_SERVING_GATE_E2E_TURNS). */
  readonly turns: number;
  /** A run not done within this fails the measure (DISTILLERY_SERVING_GATE_E2E_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** An operator's key of the simulator (DISTILLERY_SERVING_GATE_E2E_API_KEY), sent as x-api-key. */
  readonly apiKey: string;
  readonly pollMs?: number;
}

interface StressRunView {
  readonly runId: string;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly scenarios: number;
  readonly passed: number;
  readonly error?: string;
}

/**
 * The E2E stress test run by the simulator service (`POST /stress-runs`): its scenarios are played
 * through the agents with every session pinned to `version` (the agents' `serving_model`), so the
 * agents call this serving replica for that version — the candidate while the gate holds it, or the
 * incumbent. The same seed, scenarios and turns for every version, so two versions are compared on
 * the same customers and the same business switches.
 */
export class SimulatorStressProbe implements E2eProbe {
  constructor(private readonly options: SimulatorStressProbeOptions) {}

  async passRate(version: string, signal: AbortSignal): Promise<E2eOutcome> {
    const deadline = Date.now() + this.options.timeoutMs;
    const base = this.options.baseUrl.replace(/\/+$/, '');
    let run = await this.call<StressRunView>(`${base}/stress-runs`, signal, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: version, scenarios: this.options.scenarios, turns: this.options.turns }) });
    while (run.status === 'queued' || run.status === 'running') {
      if (Date.now() > deadline) throw new GateE2eError(`the simulator's stress run ${run.runId} for ${version} was not done within ${Math.round(this.options.timeoutMs / 1_000)} s`);
      await delay(this.options.pollMs ?? 2_000, undefined, { signal });
      run = await this.call<StressRunView>(`${base}/stress-runs/${encodeURIComponent(run.runId)}`, signal);
    }
    if (run.status === 'failed') throw new GateE2eError(`the simulator's stress run ${run.runId} for ${version} failed: ${run.error ?? 'no reason given'}`);
    return { passed: run.passed, scenarios: run.scenarios, runId: run.runId };
  }

  private async call<T>(url: string, signal: AbortSignal, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), 'x-api-key': this.options.apiKey }, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new GateE2eError(`the simulator at ${url} did not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    if (!response.ok) throw new GateE2eError(`the simulator answered ${url} with http ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}
