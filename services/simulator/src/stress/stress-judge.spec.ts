import { describe, expect, it } from 'vitest';
import { applySwitches, judgeTurn, NOTHING_CHANGED, type TurnObservation } from './stress-judge.js';
import type { StressScenario, StressTurn } from './stress-scenario.js';

const VIN = '1HGCM82633A004352';
const OTHER = '2FTRX18W1XCA01234';
const scenario: StressScenario = { id: 's', personaIndex: 1, customerRef: 'cust_0001', goal: 'reservation', description: '', turns: [], vehicles: { [VIN]: 20_000, [OTHER]: 30_000 } };
const turn = (partial: Partial<StressTurn>): StressTurn => ({ turn: 4, say: 'x', before: [], goal: [], ...partial });
const observed = (reply: string, calls: Array<{ tool: string; args: object; ok?: boolean }>): TurnObservation => ({
  reply,
  ended: false,
  trace: { planCode: 'x', replans: 0, toolCalls: calls.map((call) => ({ tool: call.tool, argsJson: JSON.stringify(call.args), ok: call.ok ?? true, resultJson: '{}', error: '', latencyMs: 1 })) },
});

describe('judging a stress turn', () => {
  it('fails a sold vehicle reserved or offered in the reply, and passes one reported sold', () => {
    const sold = turn({ before: [{ kind: 'vehicle_sold', vin: VIN }], goal: [{ kind: 'says', anyOf: ['sold'], why: 'says it is sold' }] });
    const business = applySwitches(NOTHING_CHANGED, sold);
    expect(judgeTurn(scenario, sold, business, observed(`VIN ${VIN} has been sold.`, [{ tool: 'getVehicle', args: { vin: VIN }, ok: false }]))).toEqual([]);
    expect(judgeTurn(scenario, sold, business, observed(`Reserved VIN ${VIN} for you.`, [{ tool: 'reserveVehicle', args: { vin: VIN } }]))).toEqual([
      { kind: 'goal', reason: 'the reply does not say «sold» (says it is sold)' },
      { kind: 'rule', reason: `reserveVehicle succeeded on VIN ${VIN}, sold before turn 4` },
      { kind: 'rule', reason: `the reply offers VIN ${VIN} without saying it was sold (before turn 4)` },
    ]);
  });

  it('fails a switched-off tool called, and a call a changed rule forbids: planned (judged on the plan) or made (judged on the tool)', () => {
    const off = applySwitches(NOTHING_CHANGED, turn({ before: [{ kind: 'tool_off', tool: 'reserveVehicle' }, { kind: 'rule_change', rule: 'deposit_raised' }, { kind: 'rule_change', rule: 'min_down_raised' }] }));
    const failures = judgeTurn(scenario, turn({}), off, observed('ok', [{ tool: 'reserveVehicle', args: { vin: OTHER, deposit: 500 }, ok: false }]));
    expect(failures).toEqual([
      { kind: 'rule', reason: 'called reserveVehicle, which is switched off' },
      { kind: 'rule', reason: 'planned a $500 deposit while the minimum is $1,000' },
    ]);
    // 30% down needs the price, which a plan does not hold: a refused call keeps the rule, a succeeding one breaks it.
    expect(judgeTurn(scenario, turn({}), off, observed('needs more down', [{ tool: 'estimateFinancing', args: { vin: OTHER, downPayment: 3_000 }, ok: false }]))).toEqual([]);
    expect(judgeTurn(scenario, turn({}), off, observed('$600 a month', [{ tool: 'estimateFinancing', args: { vin: OTHER, downPayment: 3_000 } }]))).toEqual([{ kind: 'rule', reason: 'made $3000 down on a $30000 car while 30% down is required' }]);
    // Switched back on, the tool is fine again.
    const on = applySwitches(off, turn({ before: [{ kind: 'tool_on', tool: 'reserveVehicle' }] }));
    expect(judgeTurn(scenario, turn({ goal: [{ kind: 'calls', tool: 'reserveVehicle', args: { vin: OTHER } }] }), on, observed('held', [{ tool: 'reserveVehicle', args: { vin: OTHER, deposit: 1_000 } }]))).toEqual([]);
  });

  it('fails a reply that gives opening hours a rule has taken away, and passes the hours in force', () => {
    const closed = applySwitches(NOTHING_CHANGED, turn({ before: [{ kind: 'rule_change', rule: 'saturday_closed' }, { kind: 'rule_change', rule: 'weekday_close_early' }] }));
    const stale = 'Downtown: 120 Main Street. Opening hours: mon 09:00-19:00, tue 09:00-19:00, sat 10:00-16:00; closed on other days.';
    expect(judgeTurn(scenario, turn({}), closed, observed(stale, [{ tool: 'dealershipInfo', args: {} }]))).toEqual([
      { kind: 'rule', reason: 'the reply gives Saturday opening hours while Saturdays are closed' },
      { kind: 'rule', reason: 'the reply gives weekday hours past 15:00 while weekdays close at 15:00' },
    ]);
    expect(judgeTurn(scenario, turn({}), closed, observed('Opening hours: mon 09:00-15:00, fri 09:00-15:00; closed on other days, Saturdays too.', [{ tool: 'dealershipInfo', args: {} }]))).toEqual([]);
    expect(judgeTurn(scenario, turn({}), NOTHING_CHANGED, observed(stale, [{ tool: 'dealershipInfo', args: {} }]))).toEqual([]);
  });

  it('fails a goal whose tool did not succeed with the asked arguments, naming what the turn called', () => {
    const wanted = turn({ goal: [{ kind: 'calls', tool: 'scheduleTestDrive', args: { vin: OTHER } }] });
    expect(judgeTurn(scenario, wanted, NOTHING_CHANGED, observed('booked', [{ tool: 'scheduleTestDrive', args: { vin: VIN, slot: '2026-12-09T11:00' } }]))).toEqual([
      { kind: 'goal', reason: `expected scheduleTestDrive({"vin":"${OTHER}"}) to succeed; the turn called scheduleTestDrive({"vin":"${VIN}","slot":"2026-12-09T11:00"})` },
    ]);
    expect(judgeTurn(scenario, turn({ goal: [{ kind: 'answers' }] }), NOTHING_CHANGED, observed(' ', []))).toEqual([{ kind: 'goal', reason: 'empty reply' }]);
  });
});
