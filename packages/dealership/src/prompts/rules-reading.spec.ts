import { DEFAULT_RULES, type DealershipRules, renderRules } from '../domain/dealership-rules.js';
import { validatePlan } from '../plans/plan-validator.js';
import { describe, expect, it } from 'vitest';
import { catalogForRules, readRules } from './rules-reading.js';

describe('readRules', () => {
  it('reads back what renderRules wrote', () => {
    expect(readRules(renderRules(DEFAULT_RULES))).toEqual(DEFAULT_RULES);
  });

  it('reads changed rules: hours, offset, terms, tiers, deposits, test-drive limits', () => {
    const changed: DealershipRules = {
      ...DEFAULT_RULES,
      utcOffsetMinutes: -300,
      hours: { tue: { open: '08:00', close: '20:00' }, sat: { open: '10:00', close: '14:00' } },
      testDrives: { leadTimeHours: 4, horizonDays: 7, slotsPerDayPerLocation: 3, maxUpcomingPerCustomer: 1, licenceRequired: false },
      financing: { termsMonths: [36, 48], minAmountFinanced: 2_000, tiers: { ...DEFAULT_RULES.financing.tiers, poor: { minDownShare: 0.25, aprByTerm: { 36: 19.99 } } } },
      reservations: { minDeposit: 1_000, holdHours: 24, maxActivePerCustomer: 2 },
    };
    const read = readRules(renderRules(changed));
    expect(read).toMatchObject({ utcOffsetMinutes: -300, hours: changed.hours, testDrives: changed.testDrives, reservations: changed.reservations });
    expect(read.financing).toEqual(changed.financing);
  });

  it('gives the default rules when the prompt shows none, and checks plans against the rules shown', () => {
    expect(readRules(undefined)).toEqual(DEFAULT_RULES);
    const plan = 'const r = reserveVehicle({ vin: "YCDTTUXP8K9DFM576", deposit: 700 });\nreturn { r };';
    expect(validatePlan(plan, catalogForRules(renderRules(DEFAULT_RULES))).ok).toBe(true);
    const stricter = renderRules({ ...DEFAULT_RULES, reservations: { ...DEFAULT_RULES.reservations, minDeposit: 1_000 } });
    expect(validatePlan(plan, catalogForRules(stricter))).toMatchObject({ ok: false, violations: [{ code: 'RULE_VIOLATION', message: 'reserveVehicle: the deposit must be at least $1000' }] });
  });
});
