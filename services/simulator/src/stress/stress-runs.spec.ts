import type { BusinessChange, BusinessChangeResult__Output, CreateSessionRequest, SendMessageRequest, TurnTrace__Output } from '@distillery/proto';
import { describe, expect, it } from 'vitest';
import type { StressAgentsPort } from './stress-agents-port.js';
import { parseStressRunRequest } from './stress-run-request.js';
import { generateStressScenarios } from './stress-scenario-generator.js';
import { StressRunNotFoundError } from './stress-run-not-found.error.js';
import { type StressRunView, StressRuns } from './stress-runs.js';
import { StressRunsStoppedError } from './stress-runs-stopped.error.js';

/** Agents that answer every turn with a fixed reply and an empty trace (most turns fail their goal: the runs' mechanics are under test, not the judge); `hold` keeps createSession waiting until released. */
class FixedAgents implements StressAgentsPort {
  readonly sessions: CreateSessionRequest[] = [];
  private held: Array<() => void> | undefined;

  constructor(
    private readonly failure?: Error,
    /** Fails every message from this turn on (a student whose answer outlasts the deadline). */
    private readonly slowFromTurn?: number,
  ) {}

  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const resume of held) resume();
  }

  async createSession(request: CreateSessionRequest): Promise<{ sessionId: string }> {
    if (this.held) await new Promise<void>((resume) => this.held!.push(resume));
    if (this.failure) throw this.failure;
    this.sessions.push(request);
    return { sessionId: `sess_${this.sessions.length}` };
  }

  sendMessage(request: SendMessageRequest): Promise<{ turnId: string; reply: string; ended: boolean }> {
    const turn = Number(request.clientMessageId?.split('/').at(-1));
    if (this.slowFromTurn !== undefined && turn >= this.slowFromTurn) return Promise.reject(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded after 600.001s'));
    return Promise.resolve({ turnId: `${request.sessionId}/${request.clientMessageId}`, reply: 'Happy to help with that.', ended: false });
  }

  applyBusinessChange(_change: BusinessChange): Promise<BusinessChangeResult__Output> {
    return Promise.resolve({ rulesVersion: 1, rulesJson: '{}', previousRulesJson: '{}', previousVehicleStatus: 'available' });
  }

  getTurnTrace(sessionId: string, turnId: string): Promise<TurnTrace__Output> {
    // Only the fields the judge reads.
    return Promise.resolve({ sessionId, turnId, planCode: '', toolCalls: [] } as unknown as TurnTrace__Output);
  }
}

const request = (fields: object) => parseStressRunRequest({ scenarios: 2, turns: 2, ...fields });
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

/** The run once it has ended (done or failed), as GET would see it. */
async function settled(runs: StressRuns, runId: string): Promise<StressRunView> {
  for (let run = runs.find(runId); ; run = runs.find(runId)) {
    if (run.status === 'done' || run.status === 'failed') return run;
    await tick();
  }
}

describe('stress runs', () => {
  it('plays runs one at a time in arrival order, the sessions pinned to each run\'s model', async () => {
    const agents = new FixedAgents();
    agents.hold();
    const runs = new StressRuns({ agents, dealershipSeed: 7 });
    const first = runs.submit(request({ model: 'student-a', concurrency: 2 }));
    const second = runs.submit(request({ model: 'student-b' }));
    const third = runs.submit(request({}));
    await tick();
    expect([runs.find(first.runId).status, runs.find(second.runId).status, runs.find(third.runId).status]).toEqual(['running', 'queued', 'queued']);
    expect(runs.list().map((run) => run.runId)).toEqual([third.runId, second.runId, first.runId]);
    agents.release();
    const ended = await settled(runs, third.runId);
    expect(ended.status).toBe('done');
    expect(runs.find(first.runId).finishedAt! <= runs.find(second.runId).startedAt!).toBe(true);
    expect(agents.sessions.map((session) => session.metadata?.serving_model)).toEqual(['student-a', 'student-a', 'student-b', 'student-b', undefined, undefined]);
    expect(agents.sessions[0]!.metadata).toMatchObject({ purpose: 'stress', run: '1', serving_model: 'student-a' });
    expect(third.model).toBeNull();
  });

  it('reports a done run\'s results in the scenarios\' order and its pass rate from them', async () => {
    const finished: StressRunView[] = [];
    const runs = new StressRuns({ agents: new FixedAgents(), dealershipSeed: 7, onFinished: (run) => finished.push(run) });
    const queued = runs.submit(request({ scenarios: 3, turns: 1 }));
    expect(queued).toMatchObject({ status: 'queued', scenarios: 3, turns: 1, seed: 9001, played: 0, passed: 0, passRate: null, results: [] });
    const run = await settled(runs, queued.runId);
    expect(run).toMatchObject({ status: 'done', played: 3 });
    expect(run.results.map((result) => result.scenarioId)).toEqual(generateStressScenarios({ seed: 9001, count: 3, dealershipSeed: 7, turns: 1 }).map((scenario) => scenario.id));
    expect(run.passed).toBe(run.results.filter((result) => result.passed).length);
    expect(run.passRate).toBe(run.passed / 3);
    expect(finished.map(({ runId, status }) => [runId, status])).toEqual([[run.runId, 'done']]);
  });

  it('fails a run whose every scenario failed on an agents call, with the error and no pass rate', async () => {
    const finished: StressRunView[] = [];
    const runs = new StressRuns({ agents: new FixedAgents(new Error('14 UNAVAILABLE: No connection established')), dealershipSeed: 7, onFinished: (run) => finished.push(run) });
    const run = await settled(runs, runs.submit(request({ model: 'student-a' })).runId);
    expect(run).toMatchObject({ status: 'failed', passRate: null, error: 'every scenario failed on an agents call: 14 UNAVAILABLE: No connection established' });
    expect(finished.map((ended) => ended.status)).toEqual(['failed']);
  });

  it('counts an agents call failing after a judged turn (an answer past the deadline) as a failed scenario, not as an unmeasured run', async () => {
    const runs = new StressRuns({ agents: new FixedAgents(undefined, 2), dealershipSeed: 7 });
    const run = await settled(runs, runs.submit(request({ scenarios: 2, turns: 3 })).runId);
    expect(run).toMatchObject({ status: 'done', played: 2, passed: 0, passRate: 0 });
    expect(run.results.map((result) => [result.firstFailure?.turn, result.firstFailure?.kind])).toEqual([[2, 'error'], [2, 'error']]);
    expect(run.results.every((result) => result.turnsPlayed === 1)).toBe(true); // turn 1 judged, turn 2 past the deadline
  });

  it('fails the running and queued runs on stop without waiting, and takes no more', async () => {
    const agents = new FixedAgents();
    agents.hold();
    const runs = new StressRuns({ agents, dealershipSeed: 7 });
    const running = runs.submit(request({}));
    const queued = runs.submit(request({}));
    await tick();
    runs.stop();
    expect(runs.find(running.runId)).toMatchObject({ status: 'failed', error: 'the simulator replica stopped during the run; ask again' });
    expect(runs.find(queued.runId)).toMatchObject({ status: 'failed', error: 'the simulator replica stopped before the run started; ask again' });
    expect(() => runs.submit(request({}))).toThrow(StressRunsStoppedError);
    agents.release();
    await tick();
    expect(runs.find(running.runId).status).toBe('failed');
  });

  it('keeps the newest finished runs and forgets the oldest', async () => {
    const runs = new StressRuns({ agents: new FixedAgents(), dealershipSeed: 7, keep: 2 });
    const ids = [runs.submit(request({ scenarios: 1, turns: 1 })).runId, runs.submit(request({ scenarios: 1, turns: 1 })).runId, runs.submit(request({ scenarios: 1, turns: 1 })).runId];
    await settled(runs, ids[2]!);
    expect(runs.list().map((run) => run.runId)).toEqual([ids[2], ids[1]]);
    expect(() => runs.find(ids[0]!)).toThrow(StressRunNotFoundError);
  });
});
