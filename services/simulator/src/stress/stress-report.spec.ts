import { describe, expect, it } from 'vitest';
import { summarizeStress, summaryLines } from './stress-report.js';
import type { ScenarioResult } from './stress-runner.js';

const result = (scenarioId: string, failure?: ScenarioResult['firstFailure']): ScenarioResult => ({
  scenarioId,
  description: scenarioId,
  passed: !failure,
  turnsPlayed: 10,
  ...(failure ? { firstFailure: failure } : {}),
  failedTurns: failure ? 1 : 0,
  seconds: 1,
});

describe('the stress summary', () => {
  it('counts pass^k as the scenarios passed in every run, naming each failing scenario once with its first failure', () => {
    const soldOffered = { turn: 4, kind: 'rule' as const, reason: 'reserveVehicle succeeded on VIN X, sold before turn 4' };
    const runs = [
      [result('a'), result('b'), result('c'), result('d')],
      [result('a'), result('b', soldOffered), result('c'), result('d')],
      [result('a'), result('b', soldOffered), result('c', { turn: 7, kind: 'goal', reason: 'empty reply' }), result('d')],
    ];
    const summary = summarizeStress(runs, 10);
    expect(summary).toMatchObject({ scenarios: 4, turns: 40, runs: 3, passRates: [1, 0.75, 0.5], passAllRuns: 0.5, failuresByKind: { rule: 2, goal: 1 } });
    expect(summary.failing.map(({ run, result: failed }) => [run, failed.scenarioId])).toEqual([[2, 'b'], [3, 'c']]);
    const lines = summaryLines(summary);
    expect(lines).toContain('| 2 | 3/4 | 75.00% |');
    expect(lines).toContain('pass^3: 50.00% (2/4 scenarios passed every run)');
    expect(lines).toContain('  b (run 2) turn 4: reserveVehicle succeeded on VIN X, sold before turn 4');
  });
});
