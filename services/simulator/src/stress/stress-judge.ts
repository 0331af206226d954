import type { TurnTrace__Output } from '@distillery/proto';
import type { GoalCheck, StressScenario, StressSwitch, StressTurn } from './stress-scenario.js';
import { type ObservedCall, stressRule } from './stress-rules.js';

/** What the agents did in one turn, as the API shows it: the reply and the turn's trace. */
export interface TurnObservation {
  readonly reply: string;
  readonly ended: boolean;
  readonly trace: Pick<TurnTrace__Output, 'toolCalls' | 'planCode' | 'replans'>;
}

/** The business as a scenario has changed it so far. */
export interface BusinessInForce {
  /** Sold VIN → the turn it was sold before. */
  readonly sold: ReadonlyMap<string, number>;
  readonly toolsOff: ReadonlySet<string>;
  readonly rules: readonly string[];
}

export interface TurnFailure {
  readonly kind: 'goal' | 'rule';
  readonly reason: string;
}

/** Calls that act on a vehicle on the customer's behalf: offering it for a drive, a price or a hold. */
const OFFERING_TOOLS = new Set(['scheduleTestDrive', 'reserveVehicle', 'estimateFinancing']);

export function observedCalls(trace: TurnObservation['trace']): ObservedCall[] {
  return trace.toolCalls.map((call) => {
    let args: Record<string, unknown> = {};
    try {
      args = JSON.parse(call.argsJson || '{}') as Record<string, unknown>;
    } catch {
      // A call whose arguments do not parse is judged by its tool alone.
    }
    return { tool: call.tool, args, ok: call.ok };
  });
}

/** The business after this turn's switches. */
export function applySwitches(business: BusinessInForce, turn: StressTurn): BusinessInForce {
  const sold = new Map(business.sold);
  const toolsOff = new Set(business.toolsOff);
  const rules = [...business.rules];
  for (const change of turn.before as readonly StressSwitch[]) {
    if (change.kind === 'vehicle_sold') sold.set(change.vin, turn.turn);
    else if (change.kind === 'tool_off') toolsOff.add(change.tool);
    else if (change.kind === 'tool_on') toolsOff.delete(change.tool);
    else rules.push(change.rule);
  }
  return { sold, toolsOff, rules };
}

export const NOTHING_CHANGED: BusinessInForce = { sold: new Map(), toolsOff: new Set(), rules: [] };

/**
 * Judges one turn: its goal checks, then every business rule the scenario has switched so far
 * (whatever the turn is about): no sold vehicle offered, driven, priced or reserved, and none
 * named in the reply as if still for sale; no opening hours in the reply that a rule has taken
 * away; no switched-off tool called; no call the changed rules forbid — a plan that makes one does
 * not respect the rule, even when the tool then refuses it.
 */
export function judgeTurn(scenario: StressScenario, turn: StressTurn, business: BusinessInForce, observed: TurnObservation): TurnFailure[] {
  const calls = observedCalls(observed.trace);
  const failures: TurnFailure[] = [];
  for (const check of turn.goal) {
    const problem = goalProblem(check, calls, observed);
    if (problem) failures.push({ kind: 'goal', reason: problem });
  }
  for (const [vin, soldAt] of business.sold) {
    for (const call of calls) {
      if (call.ok && OFFERING_TOOLS.has(call.tool) && call.args.vin === vin) failures.push({ kind: 'rule', reason: `${call.tool} succeeded on VIN ${vin}, sold before turn ${soldAt}` });
    }
    if (observed.reply.includes(vin) && !/\bsold\b/i.test(observed.reply)) failures.push({ kind: 'rule', reason: `the reply offers VIN ${vin} without saying it was sold (before turn ${soldAt})` });
  }
  for (const name of business.rules) {
    const stale = stressRule(name).replyBreaks?.(observed.reply);
    if (stale) failures.push({ kind: 'rule', reason: stale });
  }
  for (const call of calls) {
    if (business.toolsOff.has(call.tool)) failures.push({ kind: 'rule', reason: `called ${call.tool}, which is switched off` });
    for (const name of business.rules) {
      const rule = stressRule(name);
      const broken = rule.judgedOn === 'tool' && !call.ok ? undefined : rule.breaks(call, scenario.vehicles);
      if (broken) failures.push({ kind: 'rule', reason: `${rule.judgedOn === 'plan' ? 'planned' : 'made'} ${broken}` });
    }
  }
  return failures;
}

function goalProblem(check: GoalCheck, calls: readonly ObservedCall[], observed: TurnObservation): string | undefined {
  switch (check.kind) {
    case 'calls': {
      const matching = calls.filter((call) => call.tool === check.tool && Object.entries(check.args ?? {}).every(([key, value]) => call.args[key] === value));
      if (matching.some((call) => call.ok)) return undefined;
      const wanted = `${check.tool}${check.args ? `(${JSON.stringify(check.args)})` : ''}`;
      const made = calls.map((call) => `${call.tool}(${JSON.stringify(call.args)})${call.ok ? '' : ' failed'}`).join(', ') || 'no tool';
      return `expected ${wanted} to succeed; the turn called ${made}`;
    }
    case 'no_success': {
      const done = calls.filter((call) => call.ok && check.tools.includes(call.tool)).map((call) => call.tool);
      return done.length ? `${[...new Set(done)].join(', ')} succeeded, which the turn must not` : undefined;
    }
    case 'not_calls': {
      const called = calls.filter((call) => check.tools.includes(call.tool)).map((call) => call.tool);
      return called.length ? `called ${[...new Set(called)].join(', ')}, which the turn must not` : undefined;
    }
    case 'says': {
      const reply = observed.reply.toLowerCase();
      return check.anyOf.some((words) => reply.includes(words.toLowerCase())) ? undefined : `the reply does not say ${check.anyOf.map((words) => `«${words}»`).join(' or ')} (${check.why})`;
    }
    case 'answers':
      return observed.reply.trim() ? undefined : 'empty reply';
  }
}
