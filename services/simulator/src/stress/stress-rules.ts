import type { JsonValue } from '@distillery/dealership';
import { RULE_SWITCHES } from '../conversations/business-switches.js';

/** A tool call as the trace records it, its arguments parsed. */
export interface ObservedCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly ok: boolean;
}

/**
 * A rule the stress test changes mid-conversation: its merge patch of the dealership rules, the
 * words a refusal names it by, and the calls that break it (a plan that makes one does not
 * respect the rule, whether or not the tool then refuses).
 */
export interface StressRule {
  readonly patch: JsonValue;
  readonly description: string;
  readonly refusalWords: readonly string[];
  /**
   * `plan`: the rule can be judged from a call's literal arguments, so a plan that makes a breaking
   * call breaks it (the Evaluator sends such plans back); `tool`: it needs data the plan does not
   * hold (a vehicle's price), so only a breaking call that succeeds breaks it.
   */
  readonly judgedOn: 'plan' | 'tool';
  /** Why the call breaks the rule, or undefined when it does not. `prices` by VIN, for share-of-price rules. */
  readonly breaks: (call: ObservedCall, prices: Readonly<Record<string, number>>) => string | undefined;
  /** Why a reply states what the rule no longer allows (opening hours that are gone), or undefined. */
  readonly replyBreaks?: (reply: string) => string | undefined;
}

const weekdayOf = (slot: unknown) => (typeof slot === 'string' ? new Date(`${slot.slice(0, 10)}T00:00:00Z`).getUTCDay() : undefined);
const hourOf = (slot: unknown) => (typeof slot === 'string' ? Number(slot.slice(11, 13)) : undefined);
const MIN_DOWN_SHARE = 0.3;
const EARLY_CLOSE = 15;
const CURRENT_YEAR = 2026;

/** The stress test's rule switches: four of the campaigns' (same patches) and two of its own (a down payment and a closing time). */
export const STRESS_RULES: Readonly<Record<string, StressRule>> = {
  saturday_closed: {
    patch: RULE_SWITCHES.saturday_closed!.patch,
    description: RULE_SWITCHES.saturday_closed!.description,
    refusalWords: ['closed'],
    judgedOn: 'plan',
    breaks: (call) => (call.tool === 'scheduleTestDrive' && weekdayOf(call.args.slot) === 6 ? `a test drive on a Saturday (${String(call.args.slot)}) while Saturdays are closed` : undefined),
    replyBreaks: (reply) => (/\bsat(urday)?s?\b[ :]*(from )?\d{1,2}(:\d{2})? ?(am|pm)?\s*(-|–|to)/i.test(reply) ? 'the reply gives Saturday opening hours while Saturdays are closed' : undefined),
  },
  shorter_terms: {
    patch: RULE_SWITCHES.shorter_terms!.patch,
    description: RULE_SWITCHES.shorter_terms!.description,
    refusalWords: ['60', 'month'],
    judgedOn: 'plan',
    breaks: (call) => (call.tool === 'estimateFinancing' && Number(call.args.termMonths) > 60 ? `a ${String(call.args.termMonths)}-month term while terms over 60 months are withdrawn` : undefined),
  },
  deposit_raised: {
    patch: RULE_SWITCHES.deposit_raised!.patch,
    description: RULE_SWITCHES.deposit_raised!.description,
    refusalWords: ['1000', '1,000'],
    judgedOn: 'plan',
    breaks: (call) => (call.tool === 'reserveVehicle' && call.args.deposit !== undefined && Number(call.args.deposit) < 1_000 ? `a $${String(call.args.deposit)} deposit while the minimum is $1,000` : undefined),
  },
  trade_in_age: {
    patch: RULE_SWITCHES.trade_in_age!.patch,
    description: RULE_SWITCHES.trade_in_age!.description,
    refusalWords: ['8 years', 'older than 8'],
    judgedOn: 'plan',
    breaks: (call) => (call.tool === 'appraiseTradeIn' && CURRENT_YEAR - Number(call.args.year) > 8 ? `an appraisal of a ${String(call.args.year)} car while trade-ins over 8 years old are not taken` : undefined),
  },
  min_down_raised: {
    patch: { financing: { tiers: Object.fromEntries(['excellent', 'good', 'fair', 'poor'].map((tier) => [tier, { minDownShare: MIN_DOWN_SHARE }])) } },
    description: 'every credit tier needs 30% down',
    refusalWords: ['down'],
    judgedOn: 'tool',
    breaks: (call, prices) => {
      if (call.tool !== 'estimateFinancing') return undefined;
      const price = prices[String(call.args.vin)];
      const down = Number(call.args.downPayment ?? 0);
      return price !== undefined && down < MIN_DOWN_SHARE * price ? `$${down} down on a $${price} car while 30% down is required` : undefined;
    },
  },
  weekday_close_early: {
    patch: { hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, { open: '09:00', close: `${EARLY_CLOSE}:00` }])) },
    description: 'the dealership closes at 15:00 on weekdays',
    refusalWords: ['closed', 'open', 'hours', '15:00', '3pm', '3 pm'],
    judgedOn: 'plan',
    breaks: (call) => {
      if (call.tool !== 'scheduleTestDrive') return undefined;
      const [day, hour] = [weekdayOf(call.args.slot), hourOf(call.args.slot)];
      return day !== undefined && day >= 1 && day <= 5 && hour !== undefined && hour >= EARLY_CLOSE ? `a test drive at ${String(call.args.slot)} while weekdays close at 15:00` : undefined;
    },
    replyBreaks: (reply) => (/\b(mon|tue|wed|thu|fri)[a-z]*\b[ :]*(from )?\d{1,2}(:\d{2})? ?(am|pm)?\s*(-|–|to)\s*(1[6-9]|2[0-3]):\d{2}/i.test(reply) ? 'the reply gives weekday hours past 15:00 while weekdays close at 15:00' : undefined),
  },
};

export function stressRule(name: string): StressRule {
  const rule = STRESS_RULES[name];
  if (!rule) throw new Error(`unknown stress rule ${name} (known: ${Object.keys(STRESS_RULES).join(', ')})`);
  return rule;
}
