import { describe, expect, it } from 'vitest';
import { callsTool, readToolArg, setToolArg } from './plan-edit.js';

const PLAN = 'const booking = scheduleTestDrive({ vin: "K3M82DM18PGMRNGR3", slot: "2026-11-30T10:00" });\nlet alternatives = null;\nreturn { booking, alternatives };';

describe('plan editing', () => {
  it('reads a literal argument of the first call of a tool', () => {
    expect(readToolArg(PLAN, 'scheduleTestDrive', 'slot')).toBe('2026-11-30T10:00');
    expect(readToolArg('const f = estimateFinancing({ price: 30000, downPayment: -5 }); return f;', 'estimateFinancing', 'downPayment')).toBe(-5);
    expect(readToolArg(PLAN, 'scheduleTestDrive', 'deposit')).toBeUndefined();
    expect(readToolArg(PLAN, 'reserveVehicle', 'vin')).toBeUndefined();
    expect(readToolArg('not javascript (', 'x', 'y')).toBeUndefined();
    expect(callsTool(PLAN, 'scheduleTestDrive')).toBe(true);
  });

  it('replaces a value and leaves the rest of the plan byte for byte', () => {
    expect(setToolArg(PLAN, 'scheduleTestDrive', 'slot', '2026-11-30T19:00')).toBe(PLAN.replace('2026-11-30T10:00', '2026-11-30T19:00'));
  });

  it('adds an argument that was not given, also to an empty object', () => {
    expect(setToolArg('const r = reserveVehicle({ vin: "K3M82DM18PGMRNGR3" });\nreturn { r };', 'reserveVehicle', 'deposit', 499)).toBe(
      'const r = reserveVehicle({ vin: "K3M82DM18PGMRNGR3", deposit: 499 });\nreturn { r };',
    );
    expect(setToolArg('return dealershipInfo({});', 'dealershipInfo', 'location', 'airport')).toBe('return dealershipInfo({ location: "airport" });');
    expect(setToolArg(PLAN, 'reserveVehicle', 'deposit', 1)).toBeUndefined();
  });
});
