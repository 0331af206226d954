import { DEFAULT_RULES, generateVehicles, instantOfLocal, slotShapeViolations, toolCatalog, validatePlan } from '@distillery/dealership';
import { describe, expect, it } from 'vitest';
import { plannerPrompt } from '../testing/turn-builders.js';
import type { SftRow } from './dataset-rows.js';
import { HARD_NEGATIVE_KINDS, type HardNegativeContext } from './hard-negative-kinds.js';
import { buildHardNegatives } from './hard-negatives.js';
import { readToolArg } from './plan-edit.js';

const catalog = toolCatalog(DEFAULT_RULES);
const vehicles = generateVehicles(7, 320);
const prices = new Map(vehicles.map((vehicle) => [vehicle.vin, vehicle.price]));
const context: HardNegativeContext = { rules: DEFAULT_RULES, catalog, priceOf: (vin) => prices.get(vin) };
const VIN = vehicles[0]!.vin;
const NOW = '2026-11-24T10:00:00.000Z'; // a Tuesday

function row(id: string, output: string, understanding: object = { intents: [], entities: {} }): SftRow {
  return { id, agent: 'planner', prompt: plannerPrompt('…', understanding, NOW), output, conversationId: `conv_${id}`, turnId: `turn_${id}`, verdict: 'accepted' };
}

/** One valid plan per boundary the kinds move across. */
const PLANS: SftRow[] = [
  row('drive', `const booking = scheduleTestDrive({ vin: "${VIN}", slot: "2026-11-28T11:00" });\nreturn { booking };`),
  row('finance-fair', `const financing = estimateFinancing({ vin: "${VIN}", termMonths: 60, downPayment: ${Math.ceil(prices.get(VIN)! * 0.15) + 500}, creditTier: "fair" });\nreturn { financing };`),
  row('reserve', `const reservation = reserveVehicle({ vin: "${VIN}", deposit: 750 });\nreturn { reservation };`),
  row('search', 'const search = searchInventory({ body: "suv", maxPrice: 35000, limit: 5 });\nreturn { search };', { intents: ['search_inventory'], entities: { body: 'suv', maxPrice: 35000 } }),
];

const kind = (name: string) => HARD_NEGATIVE_KINDS.find((candidate) => candidate.name === name)!;
const make = (name: string, plan: SftRow) => kind(name).make({ id: plan.id, prompt: plan.prompt, chosen: plan.output }, context);
const slotOf = (code: string) => readToolArg(code, 'scheduleTestDrive', 'slot') as string;
const staticRuleViolations = (code: string) => {
  const check = validatePlan(code, catalog);
  return check.ok ? [] : check.violations.filter((violation) => violation.code === 'RULE_VIOLATION');
};

describe('the hard-negative kinds', () => {
  it('start from plans that pass every check', () => {
    for (const plan of PLANS) expect(validatePlan(plan.output, catalog).ok).toBe(true);
  });

  it.each(['slot-after-closing', 'slot-before-opening', 'slot-on-closed-day', 'slot-off-the-hour'])('%s moves the slot where the dealership\'s slot rules refuse it', (name) => {
    const made = make(name, PLANS[0]!)!;
    expect(made.rejected).not.toBe(PLANS[0]!.output);
    expect(slotShapeViolations(DEFAULT_RULES, slotOf(made.rejected))).toEqual([made.rule]);
    expect(staticRuleViolations(made.rejected)).toHaveLength(1);
  });

  it('slot-inside-lead-time books less than the lead time ahead, slot-beyond-horizon just past the horizon', () => {
    const now = Date.parse(NOW);
    const soon = make('slot-inside-lead-time', PLANS[0]!)!;
    const soonAt = instantOfLocal(DEFAULT_RULES, slotOf(soon.rejected)).getTime();
    expect(soonAt).toBeGreaterThan(now);
    expect(soonAt).toBeLessThan(now + DEFAULT_RULES.testDrives.leadTimeHours * 3_600_000);
    expect(slotShapeViolations(DEFAULT_RULES, slotOf(soon.rejected))).toEqual([]);
    const far = make('slot-beyond-horizon', PLANS[0]!)!;
    const farAt = instantOfLocal(DEFAULT_RULES, slotOf(far.rejected)).getTime();
    expect(farAt).toBeGreaterThan(now + DEFAULT_RULES.testDrives.horizonDays * 86_400_000);
    expect(farAt).toBeLessThan(now + (DEFAULT_RULES.testDrives.horizonDays + 4) * 86_400_000);
    expect(slotShapeViolations(DEFAULT_RULES, slotOf(far.rejected))).toEqual([]);
  });

  it('term-not-offered-to-tier asks fair credit for the first term its table lacks', () => {
    const made = make('term-not-offered-to-tier', PLANS[1]!)!;
    expect(readToolArg(made.rejected, 'estimateFinancing', 'termMonths')).toBe(84);
    expect(DEFAULT_RULES.financing.tiers.fair.aprByTerm[84]).toBeUndefined();
    expect(staticRuleViolations(made.rejected).map((violation) => violation.message)).toEqual(['estimateFinancing: a 84-month term is not offered to fair credit']);
  });

  it('term-past-longest asks for a term past the longest offered', () => {
    const made = make('term-past-longest', PLANS[1]!)!;
    expect(readToolArg(made.rejected, 'estimateFinancing', 'termMonths')).toBe(96);
    expect(staticRuleViolations(made.rejected).length).toBeGreaterThan(0);
  });

  it('down-payment-below-tier-minimum puts the down payment just under the tier\'s share of the price', () => {
    const made = make('down-payment-below-tier-minimum', PLANS[1]!)!;
    const down = readToolArg(made.rejected, 'estimateFinancing', 'downPayment') as number;
    const minimum = Math.ceil(prices.get(VIN)! * DEFAULT_RULES.financing.tiers.fair.minDownShare);
    expect(down).toBeLessThan(minimum);
    expect(down).toBeGreaterThanOrEqual(minimum - 200);
  });

  it('deposit-below-minimum takes a dollar under the minimum deposit; max-price-over-budget searches just past the budget', () => {
    const deposit = make('deposit-below-minimum', PLANS[2]!)!;
    expect(readToolArg(deposit.rejected, 'reserveVehicle', 'deposit')).toBe(DEFAULT_RULES.reservations.minDeposit - 1);
    expect(staticRuleViolations(deposit.rejected)).toHaveLength(1);
    const search = make('max-price-over-budget', PLANS[3]!)!;
    const maxPrice = readToolArg(search.rejected, 'searchInventory', 'maxPrice') as number;
    expect(maxPrice).toBeGreaterThan(35_000);
    expect(maxPrice).toBeLessThanOrEqual(35_000 * 1.05 + 100);
  });

  it('make nothing from plans without the arguments they move', () => {
    for (const candidate of HARD_NEGATIVE_KINDS) expect(candidate.make({ id: 'x', prompt: plannerPrompt('hi', {}, NOW), chosen: 'const info = dealershipInfo({});\nreturn { info };' }, context)).toBeUndefined();
  });
});

describe('buildHardNegatives', () => {
  const many = Array.from({ length: 10 }, (_, index) => PLANS.map((plan) => ({ ...plan, id: `${plan.id}_${index}` }))).flat();

  it('makes the share of the DPO set, split over the families by the mix, each differing from its chosen plan', () => {
    const built = buildHardNegatives(many, 90, context, { seed: 7, share: 0.1, mix: { slots: 0.5, credit: 0.25, price: 0.25 } });
    expect(built.requested).toBe(10);
    expect(built.rows).toHaveLength(10);
    expect(built.byFamily).toEqual({ slots: 5, credit: 3, price: 2 });
    for (const pair of built.rows) {
      expect(pair).toMatchObject({ agent: 'planner', source: 'hard-negative' });
      expect(pair.rejected).not.toBe(pair.chosen);
    }
    expect(new Set(built.rows.map((pair) => pair.id)).size).toBe(10);
  });

  it('gives a family\'s shortfall to the others, and is the same for the same seed', () => {
    const noFinance = many.filter((plan) => !plan.id.startsWith('finance'));
    const built = buildHardNegatives(noFinance, 90, context, { seed: 7, share: 0.1, mix: { slots: 0, credit: 1, price: 0 } });
    expect(built.rows).toEqual([]);
    const mixed = buildHardNegatives(noFinance, 90, context, { seed: 7, share: 0.1, mix: { slots: 1, credit: 1, price: 1 } });
    expect(mixed.rows).toHaveLength(10);
    expect(mixed.byFamily.credit).toBe(0);
    expect(buildHardNegatives(noFinance, 90, context, { seed: 7, share: 0.1, mix: { slots: 1, credit: 1, price: 1 } })).toEqual(mixed);
  });
});
