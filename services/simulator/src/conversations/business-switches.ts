import type { JsonValue } from '@distillery/dealership';
import type { GoalKind } from '../campaigns/campaign-spec.js';

/** A rule the business may change mid-conversation: its merge patch of the dealership rules, and the goals it bears on. */
export interface RuleSwitch {
  readonly patch: JsonValue;
  readonly goals: readonly GoalKind[];
  readonly description: string;
}

/** The rule changes a campaign draws from, by name (recorded with each conversation). */
export const RULE_SWITCHES: Readonly<Record<string, RuleSwitch>> = {
  saturday_closed: { patch: { hours: { sat: null } }, goals: ['test_drive', 'cancel_test_drive'], description: 'the dealership stops opening on Saturdays' },
  longer_lead_time: { patch: { testDrives: { leadTimeHours: 48 } }, goals: ['test_drive', 'cancel_test_drive'], description: 'test drives must be booked 48 hours ahead' },
  shorter_terms: { patch: { financing: { termsMonths: [24, 36, 48, 60] } }, goals: ['financing'], description: 'financing terms over 60 months are withdrawn' },
  deposit_raised: { patch: { reservations: { minDeposit: 1_000 } }, goals: ['reservation'], description: 'the minimum reservation deposit rises to $1,000' },
  trade_in_age: { patch: { tradeIn: { maxAgeYears: 8 } }, goals: ['trade_in'], description: 'trade-ins older than 8 years are no longer taken' },
  saturday_hours: { patch: { hours: { sat: { open: '09:00', close: '13:00' } } }, goals: ['opening_hours', 'browse', 'hand_off'], description: 'Saturday hours change to 09:00-13:00' },
};

/** The tool a goal needs for its main request: off when the conversation starts, it appears right before that request. */
export const TOOL_OF_GOAL: Readonly<Partial<Record<GoalKind, string>>> = {
  browse: 'getVehicle',
  test_drive: 'scheduleTestDrive',
  financing: 'estimateFinancing',
  trade_in: 'appraiseTradeIn',
  reservation: 'reserveVehicle',
  opening_hours: 'dealershipInfo',
  cancel_test_drive: 'cancelTestDrive',
};

/** Goals about a particular vehicle: the ones where "the car is sold meanwhile" can happen. */
export const VEHICLE_GOALS: readonly GoalKind[] = ['browse', 'test_drive', 'financing', 'reservation', 'cancel_test_drive'];

export function rulesFor(goal: GoalKind): string[] {
  return Object.entries(RULE_SWITCHES)
    .filter(([, rule]) => rule.goals.includes(goal))
    .map(([name]) => name);
}
