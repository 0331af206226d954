import type { BusinessChange } from '@distillery/proto';
import { changeOf, revertOf } from '../conversations/conversation-driver.js';
import type { SwitchStep } from '../policies/user-simulator.js';
import type { StressAgentsPort } from './stress-agents-port.js';
import { applySwitches, type BusinessInForce, judgeTurn, NOTHING_CHANGED, type TurnFailure } from './stress-judge.js';
import { stressRule } from './stress-rules.js';
import { changesTheWholeBusiness, type StressScenario, type StressSwitch } from './stress-scenario.js';

/** How one scenario went in one run. */
export interface ScenarioResult {
  readonly scenarioId: string;
  readonly description: string;
  readonly passed: boolean;
  readonly turnsPlayed: number;
  /** The first turn that failed, and why (its first failure). */
  readonly firstFailure?: { readonly turn: number; readonly kind: TurnFailure['kind'] | 'error'; readonly reason: string };
  /** Failed turns in all. */
  readonly failedTurns: number;
  readonly seconds: number;
}

export interface StressRunOptions {
  readonly agents: StressAgentsPort;
  /** Scenarios played at once; those that switch a rule or a tool are played alone (the switch reaches every session). */
  readonly concurrency: number;
  /** Tells the sessions and the client message ids of different runs apart. */
  readonly run?: number;
  /** Added to every session's metadata after the stress keys (`serving_model` pins the sessions to one model version of the agents). */
  readonly sessionMetadata?: Readonly<Record<string, string>>;
  readonly onScenario?: (result: ScenarioResult) => void;
}

/** The simulator's switch step for a stress switch, so the campaigns' change and undo apply (one place for both). */
function stepOf(change: StressSwitch): SwitchStep {
  switch (change.kind) {
    case 'vehicle_sold':
      return change;
    case 'rule_change':
      return { kind: 'rule_change', rule: change.rule };
    case 'tool_off':
      return { kind: 'tool_removed', tool: change.tool };
    case 'tool_on':
      return { kind: 'tool_added', tool: change.tool };
  }
}

function businessChangeOf(change: StressSwitch): BusinessChange {
  return change.kind === 'rule_change' ? { rulesPatch: { mergePatchJson: JSON.stringify(stressRule(change.rule).patch) } } : changeOf(stepOf(change));
}

/**
 * Plays every scenario once against the agents: those that only sell their own vehicles side by
 * side (`concurrency` at a time), then those that change a rule or a tool one at a time. Results
 * come back in the scenarios' order.
 */
export async function runStressScenarios(scenarios: readonly StressScenario[], options: StressRunOptions): Promise<ScenarioResult[]> {
  const results = new Map<string, ScenarioResult>();
  const play = async (scenario: StressScenario) => {
    const result = await playScenario(scenario, options);
    results.set(scenario.id, result);
    options.onScenario?.(result);
  };
  const local = scenarios.filter((scenario) => !changesTheWholeBusiness(scenario));
  const queue = [...local];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, async () => {
      for (let scenario = queue.shift(); scenario; scenario = queue.shift()) await play(scenario);
    }),
  );
  for (const scenario of scenarios.filter(changesTheWholeBusiness)) await play(scenario);
  return scenarios.map((scenario) => results.get(scenario.id)!);
}

/** One scenario: its session, its ten turns with their switches, each turn judged from the reply and its trace; the switches undone at the end. */
export async function playScenario(scenario: StressScenario, options: StressRunOptions): Promise<ScenarioResult> {
  const { agents } = options;
  const started = performance.now();
  const reverts: BusinessChange[] = [];
  let business: BusinessInForce = NOTHING_CHANGED;
  let firstFailure: ScenarioResult['firstFailure'];
  let failedTurns = 0;
  let turnsPlayed = 0;
  const fail = (turn: number, failures: readonly { kind: TurnFailure['kind'] | 'error'; reason: string }[]) => {
    if (!failures.length) return;
    failedTurns += 1;
    // A broken rule says more than the goal it spoiled: it leads.
    firstFailure ??= { turn, ...(failures.find((failure) => failure.kind === 'rule') ?? failures[0]!) };
  };
  try {
    const session = await agents.createSession({
      customerRef: scenario.customerRef,
      locale: 'en-US',
      source: 'SIMULATION',
      campaignId: `stress_${scenario.id}`,
      metadata: { purpose: 'stress', scenario: scenario.id, run: String(options.run ?? 1), goal: scenario.goal, ...options.sessionMetadata },
    });
    let endedAt: number | undefined;
    for (const turn of scenario.turns) {
      if (endedAt !== undefined) {
        fail(turn.turn, [{ kind: 'goal', reason: `not played: the agents ended the session at turn ${endedAt}` }]);
        continue;
      }
      for (const change of turn.before) {
        const step = stepOf(change);
        const request = businessChangeOf(change);
        const outcome = await agents.applyBusinessChange({ ...request, reason: `stress ${scenario.id} turn ${turn.turn}` });
        const revert = revertOf(step, request, outcome);
        if (revert) reverts.push(revert);
      }
      business = applySwitches(business, turn);
      const answer = await agents.sendMessage({ sessionId: session.sessionId, text: turn.say, clientMessageId: `${scenario.id}/${options.run ?? 1}/${turn.turn}` });
      turnsPlayed += 1;
      const trace = await agents.getTurnTrace(session.sessionId, answer.turnId);
      fail(turn.turn, judgeTurn(scenario, turn, business, { reply: answer.reply, ended: answer.ended, trace }));
      if (answer.ended) endedAt = turn.turn;
    }
  } catch (error) {
    fail(turnsPlayed + 1, [{ kind: 'error', reason: error instanceof Error ? error.message : String(error) }]);
  } finally {
    // The business as it was, whatever happened: newest change first.
    for (const revert of reverts.reverse()) await agents.applyBusinessChange({ ...revert, reason: `stress ${scenario.id}: undo` });
  }
  return {
    scenarioId: scenario.id,
    description: scenario.description,
    passed: failedTurns === 0,
    turnsPlayed,
    ...(firstFailure ? { firstFailure } : {}),
    failedTurns,
    seconds: (performance.now() - started) / 1000,
  };
}
