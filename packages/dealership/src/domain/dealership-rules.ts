import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const CREDIT_TIERS = ['excellent', 'good', 'fair', 'poor'] as const;
export type CreditTier = (typeof CREDIT_TIERS)[number];
export const TRADE_IN_CONDITIONS = ['excellent', 'good', 'fair', 'poor'] as const;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM');

/**
 * The dealership's business rules, as data: stored with the dealership so they can change while
 * the service runs (a campaign may switch them mid-conversation), rendered into the agents'
 * prompts, and enforced by the tools. All times are dealership time, `utcOffsetMinutes` from UTC.
 */
export const dealershipRulesSchema = z.object({
  utcOffsetMinutes: z.number().int().min(-720).max(840),
  /** Opening hours by weekday; a missing day is closed. Every lot keeps the same hours. */
  hours: z.partialRecord(z.enum(WEEKDAYS), z.object({ open: hhmm, close: hhmm })),
  testDrives: z.object({
    leadTimeHours: z.number().min(0),
    horizonDays: z.number().int().min(1),
    slotsPerDayPerLocation: z.number().int().min(1),
    maxUpcomingPerCustomer: z.number().int().min(1),
    licenceRequired: z.boolean(),
  }),
  financing: z.object({
    termsMonths: z.array(z.number().int().positive()).min(1),
    minAmountFinanced: z.number().min(0),
    /** Per credit tier: minimum down payment (share of the price) and the APR (%) by term. */
    tiers: z.record(z.enum(CREDIT_TIERS), z.object({ minDownShare: z.number().min(0).max(1), aprByTerm: z.record(z.string(), z.number().min(0)) })),
  }),
  tradeIn: z.object({
    annualDepreciation: z.number().min(0).max(1),
    perMileDeduction: z.number().min(0),
    conditionFactor: z.record(z.enum(TRADE_IN_CONDITIONS), z.number().min(0).max(1)),
    offerSpread: z.number().min(0).max(0.5),
    maxAgeYears: z.number().int().min(1),
  }),
  reservations: z.object({ minDeposit: z.number().min(0), holdHours: z.number().min(1), maxActivePerCustomer: z.number().int().min(1) }),
  /** Tools switched off for now: not shown to the Planner, rejected by the Evaluator, not callable. A campaign may switch one back on mid-conversation ("a new tool appears"). */
  unavailableTools: z.array(z.string().min(1)).optional(),
});

export type DealershipRules = z.infer<typeof dealershipRulesSchema>;

export const DEFAULT_RULES: DealershipRules = {
  utcOffsetMinutes: 0,
  hours: {
    mon: { open: '09:00', close: '19:00' },
    tue: { open: '09:00', close: '19:00' },
    wed: { open: '09:00', close: '19:00' },
    thu: { open: '09:00', close: '19:00' },
    fri: { open: '09:00', close: '19:00' },
    sat: { open: '10:00', close: '16:00' },
  },
  testDrives: { leadTimeHours: 2, horizonDays: 14, slotsPerDayPerLocation: 6, maxUpcomingPerCustomer: 2, licenceRequired: true },
  financing: {
    termsMonths: [24, 36, 48, 60, 72, 84],
    minAmountFinanced: 5_000,
    tiers: {
      excellent: { minDownShare: 0, aprByTerm: { 24: 4.49, 36: 4.79, 48: 4.99, 60: 5.29, 72: 5.99, 84: 6.49 } },
      good: { minDownShare: 0.1, aprByTerm: { 24: 5.99, 36: 6.29, 48: 6.59, 60: 6.99, 72: 7.49, 84: 7.99 } },
      fair: { minDownShare: 0.15, aprByTerm: { 24: 8.99, 36: 9.49, 48: 9.99, 60: 10.49, 72: 11.49 } },
      poor: { minDownShare: 0.2, aprByTerm: { 24: 13.99, 36: 14.99, 48: 15.99, 60: 16.99 } },
    },
  },
  tradeIn: { annualDepreciation: 0.1, perMileDeduction: 0.03, conditionFactor: { excellent: 1, good: 0.9, fair: 0.78, poor: 0.6 }, offerSpread: 0.05, maxAgeYears: 20 },
  reservations: { minDeposit: 500, holdHours: 48, maxActivePerCustomer: 1 },
};

/** Dealership-local wall time of an instant, as UTC fields of a shifted Date. */
export function localTime(rules: DealershipRules, instant: Date): Date {
  return new Date(instant.getTime() + rules.utcOffsetMinutes * 60_000);
}

/** The instant of a dealership-local `YYYY-MM-DDTHH:MM`. */
export function instantOfLocal(rules: DealershipRules, local: string): Date {
  return new Date(Date.parse(`${local}:00Z`) - rules.utcOffsetMinutes * 60_000);
}

export const SLOT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** Why a test-drive slot can never be booked, judged from the slot alone (no clock, no bookings). */
export function slotShapeViolations(rules: DealershipRules, slot: string): string[] {
  const match = SLOT_PATTERN.exec(slot);
  if (!match) return [`slot ${slot} is not YYYY-MM-DDTHH:MM`];
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== slot.slice(0, 10)) return [`slot ${slot} is not a real date`];
  if (match[5] !== '00') return [`test drives start on the hour, not at ${match[4]}:${match[5]}`];
  const weekday = WEEKDAYS[day.getUTCDay()]!;
  const hours = rules.hours[weekday];
  if (!hours) return [`the dealership is closed on ${weekday} (${slot.slice(0, 10)})`];
  const start = `${match[4]}:00`;
  const end = `${String(Number(match[4]) + 1).padStart(2, '0')}:00`;
  if (start < hours.open || end > hours.close) return [`a ${start} test drive falls outside ${weekday} opening hours ${hours.open}-${hours.close}`];
  return [];
}

/** The bookable hours of one local date (on the hour, ending by closing time); empty when closed. */
export function slotsOfDay(rules: DealershipRules, date: string): string[] {
  const day = new Date(`${date}T00:00:00Z`);
  const hours = rules.hours[WEEKDAYS[day.getUTCDay()]!];
  if (!hours) return [];
  const slots: string[] = [];
  for (let hour = Number(hours.open.slice(0, 2)) + (hours.open.endsWith(':00') ? 0 : 1); `${String(hour + 1).padStart(2, '0')}:00` <= hours.close; hour++) {
    slots.push(`${date}T${String(hour).padStart(2, '0')}:00`);
  }
  return slots;
}

/** Monthly payment of an amortised loan. */
export function monthlyPayment(principal: number, aprPercent: number, termMonths: number): number {
  const rate = aprPercent / 100 / 12;
  return rate === 0 ? principal / termMonths : (principal * rate) / (1 - (1 + rate) ** -termMonths);
}

export function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The business rules in words, for the agents' prompts. */
export function renderRules(rules: DealershipRules): string {
  const hours = WEEKDAYS.map((day) => `${day} ${rules.hours[day] ? `${rules.hours[day]!.open}-${rules.hours[day]!.close}` : 'closed'}`).join(', ');
  const tiers = Object.entries(rules.financing.tiers)
    .map(([tier, terms]) => `  - ${tier}: down payment at least ${Math.round(terms.minDownShare * 100)}% of the price; APR by term ${Object.entries(terms.aprByTerm).map(([term, apr]) => `${term} mo ${apr}%`).join(', ')}`)
    .join('\n');
  const t = rules.testDrives;
  return [
    `- Opening hours (dealership time, UTC${rules.utcOffsetMinutes >= 0 ? '+' : '-'}${Math.abs(rules.utcOffsetMinutes / 60)}), all lots: ${hours}.`,
    `- Test drives: one hour, starting on the hour, inside opening hours; booked at least ${t.leadTimeHours} h ahead and at most ${t.horizonDays} days ahead; one customer per vehicle per slot; at most ${t.slotsPerDayPerLocation} test drives per lot per day; at most ${t.maxUpcomingPerCustomer} upcoming test drives per customer${t.licenceRequired ? "; the customer's driving licence must be on file" : ''}. Slots are written YYYY-MM-DDTHH:MM.`,
    `- Financing terms: ${rules.financing.termsMonths.join(', ')} months; at least $${rules.financing.minAmountFinanced} financed; a term missing from a tier's table is not offered to that tier. The customer's credit tier on file applies unless they state another.\n${tiers}`,
    `- Trade-ins: appraised from age, mileage and condition (${Object.keys(rules.tradeIn.conditionFactor).join(', ')}); vehicles older than ${rules.tradeIn.maxAgeYears} years are not taken; the offer is a range of ±${Math.round(rules.tradeIn.offerSpread * 100)}%.`,
    `- Reservations: a deposit of at least $${rules.reservations.minDeposit} holds an available vehicle for ${rules.reservations.holdHours} hours, then the hold expires; at most ${rules.reservations.maxActivePerCustomer} active reservation per customer; sold or reserved vehicles cannot be reserved.`,
    '- Never quote a vehicle, price or booking the tools did not return. Hand the customer to a person when they ask for one or when a request cannot be served.',
  ].join('\n');
}
