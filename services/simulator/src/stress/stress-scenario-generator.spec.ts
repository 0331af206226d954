import { describe, expect, it } from 'vitest';
import { campaignSpecSchema } from '../campaigns/campaign-spec.js';
import { generateStressScenarios, STRESS_PERSONA_BASE, STRESS_TURNS } from './stress-scenario-generator.js';

const options = { seed: 9001, count: 120, dealershipSeed: 7 };

describe('the stress scenarios', () => {
  it('are the same for the same seed and differ for another', () => {
    const scenarios = generateStressScenarios(options);
    expect(generateStressScenarios(options)).toEqual(scenarios);
    const other = generateStressScenarios({ ...options, seed: 9002 });
    expect(other).not.toEqual(scenarios);
    expect(other.filter((scenario, index) => JSON.stringify(scenario.turns) === JSON.stringify(scenarios[index]!.turns)).length).toBeLessThan(5);
    // A smaller set is the start of the larger one.
    expect(generateStressScenarios({ ...options, count: 12 })).toEqual(scenarios.slice(0, 12));
  });

  it('have ten turns, one or two switches at fixed turns, and every switch kind in any dozen', () => {
    const scenarios = generateStressScenarios(options);
    for (const scenario of scenarios) {
      expect(scenario.turns.map((turn) => turn.turn)).toEqual(Array.from({ length: STRESS_TURNS }, (_, index) => index + 1));
      const switches = scenario.turns.flatMap((turn) => turn.before);
      expect(switches.length).toBeGreaterThanOrEqual(1);
      expect(switches.length).toBeLessThanOrEqual(2);
      // A tool switched on was switched off earlier in the same scenario.
      const on = scenario.turns.findIndex((turn) => turn.before.some((change) => change.kind === 'tool_on'));
      expect(on < 0 || scenario.turns.slice(0, on).some((turn) => turn.before.some((change) => change.kind === 'tool_off'))).toBe(true);
      for (const turn of scenario.turns) expect(turn.goal.length).toBeGreaterThan(0);
    }
    for (let start = 0; start < scenarios.length; start += 12) {
      const kinds = new Set(scenarios.slice(start, start + 12).flatMap((scenario) => scenario.turns.flatMap((turn) => turn.before.map((change) => change.kind))));
      expect([...kinds].sort()).toEqual(['rule_change', 'tool_off', 'tool_on', 'vehicle_sold']);
    }
    expect(generateStressScenarios({ ...options, count: 3, turns: 4 }).every((scenario) => scenario.turns.length === 4)).toBe(true);
    expect(() => generateStressScenarios({ ...options, turns: 11 })).toThrow('a stress scenario has 1 to 10 turns, not 11');
  });

  it('give each scenario its own vehicles and customer, so scenarios can run side by side', () => {
    const scenarios = generateStressScenarios(options);
    const vins = scenarios.flatMap((scenario) => Object.keys(scenario.vehicles));
    expect(new Set(vins).size).toBe(vins.length);
    expect(new Set(scenarios.map((scenario) => scenario.customerRef)).size).toBe(scenarios.length);
    // A sold vehicle is one of the scenario's own.
    const sold = scenarios.flatMap((scenario) => scenario.turns.flatMap((turn) => turn.before.flatMap((change) => (change.kind === 'vehicle_sold' ? [scenario.vehicles[change.vin]] : []))));
    expect(sold.length).toBeGreaterThan(0);
    expect(sold.every((price) => price !== undefined && price > 0)).toBe(true);
  });

  it('draw personas no training campaign draws: their indices are past the largest campaign', () => {
    const scenarios = generateStressScenarios(options);
    expect(scenarios.every((scenario) => scenario.personaIndex >= STRESS_PERSONA_BASE)).toBe(true);
    expect(campaignSpecSchema.safeParse({ count: STRESS_PERSONA_BASE }).success).toBe(false);
    expect(campaignSpecSchema.safeParse({ count: 100_000 }).success).toBe(true);
    expect(STRESS_PERSONA_BASE).toBeGreaterThan(100_000);
  });
});
