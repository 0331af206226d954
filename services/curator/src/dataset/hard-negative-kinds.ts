import { CREDIT_TIERS, type DealershipRules, instantOfLocal, type PlanToolCatalog, slotShapeViolations, validatePlan, WEEKDAYS } from '@distillery/dealership';
import { readToolArg, setToolArg } from './plan-edit.js';
import { nowOf, understandingOf } from './prompt-fields.js';

export const HARD_NEGATIVE_FAMILIES = ['slots', 'credit', 'price'] as const;
export type HardNegativeFamily = (typeof HARD_NEGATIVE_FAMILIES)[number];

/** What a hard negative is made from: a Planner call whose y* passed the Evaluator's checks. */
export interface HardNegativeCandidate {
  readonly id: string;
  readonly prompt: string;
  readonly chosen: string;
}

/** What the kinds check against: the rules in force and the inventory's prices. */
export interface HardNegativeContext {
  readonly rules: DealershipRules;
  readonly catalog: PlanToolCatalog;
  priceOf(vin: string): number | undefined;
}

/** A rejected plan one step across a business-rule boundary from the chosen one, and the rule it breaks. */
export interface HardNegative {
  readonly rejected: string;
  readonly rule: string;
}

export interface HardNegativeKind {
  readonly name: string;
  readonly family: HardNegativeFamily;
  make(candidate: HardNegativeCandidate, context: HardNegativeContext): HardNegative | undefined;
}

const pad = (value: number) => String(value).padStart(2, '0');
const SLOT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function weekdayOf(date: string): (typeof WEEKDAYS)[number] {
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The chosen plan's booking: its slot split into date and hour, with the opening hours of that day. */
function booking(candidate: HardNegativeCandidate, rules: DealershipRules) {
  const slot = readToolArg(candidate.chosen, 'scheduleTestDrive', 'slot');
  const match = typeof slot === 'string' ? SLOT.exec(slot) : null;
  if (!match) return undefined;
  const date = match[1]!;
  return { date, hour: Number(match[2]), hours: rules.hours[weekdayOf(date)] };
}

/** The chosen plan with its test-drive slot moved to `slot`, when the dealership's own slot check rejects that slot. */
function badShape(candidate: HardNegativeCandidate, rules: DealershipRules, slot: string): HardNegative | undefined {
  const [violation] = slotShapeViolations(rules, slot);
  const rejected = setToolArg(candidate.chosen, 'scheduleTestDrive', 'slot', slot);
  return violation && rejected && rejected !== candidate.chosen ? { rejected, rule: violation } : undefined;
}

/** The chosen plan with one argument changed, when the Evaluator's static checks reject the result as a business-rule violation. */
function staticViolation(candidate: HardNegativeCandidate, context: HardNegativeContext, tool: string, key: string, value: number): HardNegative | undefined {
  const rejected = setToolArg(candidate.chosen, tool, key, value);
  if (!rejected || rejected === candidate.chosen) return undefined;
  const check = validatePlan(rejected, context.catalog);
  if (check.ok || !check.violations.every((violation) => violation.code === 'RULE_VIOLATION')) return undefined;
  return { rejected, rule: check.violations[0]!.message };
}

function financingTier(candidate: HardNegativeCandidate): (typeof CREDIT_TIERS)[number] | undefined {
  const tier = readToolArg(candidate.chosen, 'estimateFinancing', 'creditTier');
  return (CREDIT_TIERS as readonly unknown[]).includes(tier) ? (tier as (typeof CREDIT_TIERS)[number]) : undefined;
}

/**
 * The hand-made hard negatives of the paper (Appendix B.3), as generators: each takes a valid plan
 * and moves one literal just across a business-rule boundary — near-miss slots and dates, the edges
 * of a credit tier's financing table, amounts just past a limit — so the rejected plan looks right
 * and is not. A kind makes nothing when the plan has nothing it can move.
 */
export const HARD_NEGATIVE_KINDS: readonly HardNegativeKind[] = [
  {
    name: 'slot-after-closing',
    family: 'slots',
    make(candidate, { rules }) {
      const slot = booking(candidate, rules);
      return slot?.hours ? badShape(candidate, rules, `${slot.date}T${slot.hours.close.slice(0, 2)}:00`) : undefined;
    },
  },
  {
    name: 'slot-before-opening',
    family: 'slots',
    make(candidate, { rules }) {
      const slot = booking(candidate, rules);
      if (!slot?.hours) return undefined;
      const open = Number(slot.hours.open.slice(0, 2));
      const hour = slot.hours.open.endsWith(':00') ? open - 1 : open;
      return hour >= 0 ? badShape(candidate, rules, `${slot.date}T${pad(hour)}:00`) : undefined;
    },
  },
  {
    name: 'slot-on-closed-day',
    family: 'slots',
    make(candidate, { rules }) {
      const slot = booking(candidate, rules);
      if (!slot) return undefined;
      // The closed day nearest the requested one, later first: "Sunday instead of Saturday".
      for (const offset of [1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6]) {
        const date = addDays(slot.date, offset);
        if (!rules.hours[weekdayOf(date)]) return badShape(candidate, rules, `${date}T${pad(slot.hour)}:00`);
      }
      return undefined;
    },
  },
  {
    name: 'slot-off-the-hour',
    family: 'slots',
    make(candidate, { rules }) {
      const slot = booking(candidate, rules);
      return slot ? badShape(candidate, rules, `${slot.date}T${pad(slot.hour)}:30`) : undefined;
    },
  },
  {
    name: 'slot-inside-lead-time',
    family: 'slots',
    make(candidate, { rules }) {
      const now = nowOf(candidate.prompt);
      if (!now || !booking(candidate, rules)) return undefined;
      const lead = rules.testDrives.leadTimeHours * HOUR_MS;
      // The first bookable-looking hour after now that is still inside the lead time.
      for (let start = Math.ceil(now.getTime() / HOUR_MS) * HOUR_MS; start < now.getTime() + lead; start += HOUR_MS) {
        const local = new Date(start + rules.utcOffsetMinutes * 60_000).toISOString().slice(0, 16);
        const instant = instantOfLocal(rules, local).getTime();
        if (instant <= now.getTime() || instant >= now.getTime() + lead || slotShapeViolations(rules, local).length) continue;
        const rejected = setToolArg(candidate.chosen, 'scheduleTestDrive', 'slot', local);
        if (rejected && rejected !== candidate.chosen) return { rejected, rule: `test drives must be booked at least ${rules.testDrives.leadTimeHours} hours ahead; ${local} is too soon` };
      }
      return undefined;
    },
  },
  {
    name: 'slot-beyond-horizon',
    family: 'slots',
    make(candidate, { rules }) {
      const now = nowOf(candidate.prompt);
      const slot = booking(candidate, rules);
      if (!now || !slot) return undefined;
      const horizon = now.getTime() + rules.testDrives.horizonDays * DAY_MS;
      const first = new Date(horizon + rules.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
      // The first open day past the horizon, at the requested hour when that day is open then.
      for (let offset = 0; offset < 8; offset++) {
        const date = addDays(first, offset);
        const hours = rules.hours[weekdayOf(date)];
        if (!hours) continue;
        const inside = `${pad(slot.hour)}:00` >= hours.open && `${pad(slot.hour + 1)}:00` <= hours.close;
        const local = `${date}T${inside ? pad(slot.hour) : hours.open.slice(0, 2)}:00`;
        if (instantOfLocal(rules, local).getTime() <= horizon || slotShapeViolations(rules, local).length) continue;
        const rejected = setToolArg(candidate.chosen, 'scheduleTestDrive', 'slot', local);
        return rejected && rejected !== candidate.chosen ? { rejected, rule: `test drives can be booked at most ${rules.testDrives.horizonDays} days ahead; ${local} is too far out` } : undefined;
      }
      return undefined;
    },
  },
  {
    name: 'term-not-offered-to-tier',
    family: 'credit',
    make(candidate, context) {
      const tier = financingTier(candidate);
      if (!tier) return undefined;
      const offered = Object.keys(context.rules.financing.tiers[tier].aprByTerm).map(Number);
      // The first term of the dealership's list the tier's table stops short of (fair: 84, poor: 72).
      const edge = context.rules.financing.termsMonths.filter((term) => !offered.includes(term)).sort((a, b) => a - b)[0];
      return edge === undefined ? undefined : staticViolation(candidate, context, 'estimateFinancing', 'termMonths', edge);
    },
  },
  {
    name: 'term-past-longest',
    family: 'credit',
    make(candidate, context) {
      if (readToolArg(candidate.chosen, 'estimateFinancing', 'vin') === undefined && readToolArg(candidate.chosen, 'estimateFinancing', 'price') === undefined) return undefined;
      return staticViolation(candidate, context, 'estimateFinancing', 'termMonths', Math.max(...context.rules.financing.termsMonths) + 12);
    },
  },
  {
    name: 'down-payment-below-tier-minimum',
    family: 'credit',
    make(candidate, context) {
      const tier = financingTier(candidate);
      const down = readToolArg(candidate.chosen, 'estimateFinancing', 'downPayment');
      if (!tier || typeof down !== 'number') return undefined;
      const price = readToolArg(candidate.chosen, 'estimateFinancing', 'price');
      const vin = readToolArg(candidate.chosen, 'estimateFinancing', 'vin');
      const amount = typeof price === 'number' ? price : typeof vin === 'string' ? context.priceOf(vin) : undefined;
      const share = context.rules.financing.tiers[tier].minDownShare;
      if (amount === undefined || share <= 0) return undefined;
      const minimum = Math.ceil(amount * share);
      const below = Math.max(0, Math.ceil(minimum / 100) * 100 - 100);
      if (below >= minimum || below === down) return undefined;
      const rejected = setToolArg(candidate.chosen, 'estimateFinancing', 'downPayment', below);
      return rejected ? { rejected, rule: `${tier} credit needs at least $${minimum} down (${Math.round(share * 100)}% of $${amount})` } : undefined;
    },
  },
  {
    name: 'deposit-below-minimum',
    family: 'price',
    make(candidate, context) {
      const minimum = context.rules.reservations.minDeposit;
      return minimum >= 1 ? staticViolation(candidate, context, 'reserveVehicle', 'deposit', minimum - 1) : undefined;
    },
  },
  {
    name: 'max-price-over-budget',
    family: 'price',
    make(candidate) {
      const maxPrice = readToolArg(candidate.chosen, 'searchInventory', 'maxPrice');
      const budget = understandingOf(candidate.prompt)?.entities?.maxPrice;
      if (typeof maxPrice !== 'number' || budget !== maxPrice) return undefined;
      const over = maxPrice + Math.max(100, Math.ceil((maxPrice * 0.05) / 100) * 100);
      const rejected = setToolArg(candidate.chosen, 'searchInventory', 'maxPrice', over);
      return rejected ? { rejected, rule: `the customer's budget is $${budget}; a search up to $${over} shows vehicles they said they cannot afford` } : undefined;
    },
  },
];
