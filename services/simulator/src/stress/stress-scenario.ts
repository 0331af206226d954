import type { GoalKind } from '../campaigns/campaign-spec.js';

/** A business switch of the stress test, made through the agents' DealershipAdminService right before a turn. */
export type StressSwitch =
  | { readonly kind: 'vehicle_sold'; readonly vin: string }
  | { readonly kind: 'rule_change'; readonly rule: string }
  | { readonly kind: 'tool_off'; readonly tool: string }
  | { readonly kind: 'tool_on'; readonly tool: string };

export type StressSwitchKind = StressSwitch['kind'];
export const STRESS_SWITCH_KINDS: readonly StressSwitchKind[] = ['vehicle_sold', 'rule_change', 'tool_off', 'tool_on'];

/**
 * What a turn must show for its goal to count as honoured, judged from the reply and the turn's
 * trace (its tool calls). Business rules in force are checked on every turn besides these (see
 * stress-judge).
 */
export type GoalCheck =
  /** The tool was called and succeeded, with at least these arguments. */
  | { readonly kind: 'calls'; readonly tool: string; readonly args?: Readonly<Record<string, string | number>> }
  /** None of these tools was called. */
  | { readonly kind: 'not_calls'; readonly tools: readonly string[] }
  /** No call of these tools succeeded (a rule only the tool can judge refused it). */
  | { readonly kind: 'no_success'; readonly tools: readonly string[] }
  /** The reply says one of these (case-insensitive). */
  | { readonly kind: 'says'; readonly anyOf: readonly string[]; readonly why: string }
  /** The reply is not empty and the session is still open. */
  | { readonly kind: 'answers' };

export interface StressTurn {
  /** 1-based. */
  readonly turn: number;
  readonly say: string;
  /** Switches made right before this turn's message. */
  readonly before: readonly StressSwitch[];
  readonly goal: readonly GoalCheck[];
}

/**
 * One scenario of the E2E stress test: a persona from the simulator's persona space with its goal,
 * ten customer turns, one or two business switches at fixed turns, and what each turn must show.
 * Plain data: the same seed gives an equal scenario.
 */
export interface StressScenario {
  readonly id: string;
  /** The persona index it was drawn from (in the stress test's own range, see STRESS_PERSONA_BASE). */
  readonly personaIndex: number;
  readonly customerRef: string;
  readonly goal: GoalKind;
  readonly description: string;
  readonly turns: readonly StressTurn[];
  /** Vehicles it names (no other scenario of the set names them), with their prices, for the rule checks. */
  readonly vehicles: Readonly<Record<string, number>>;
}

/** True when the scenario changes something every session sees (a rule or a tool): it is played alone. */
export function changesTheWholeBusiness(scenario: StressScenario): boolean {
  return scenario.turns.some((turn) => turn.before.some((change) => change.kind !== 'vehicle_sold'));
}
