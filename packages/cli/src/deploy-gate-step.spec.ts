import type { DeploymentGated } from '@distillery/contracts';
import { describe, expect, it } from 'vitest';
import { gateReportOf, gateTable } from './deploy-gate-step.js';

const GATED: DeploymentGated = {
  modelId: 'student-dealership',
  checkpointId: 'ckpt_2',
  decision: 'refused',
  reason: 'worse than smollm2-135m@abc beyond the tolerance 0.05: planner plan_valid 0.250 against 0.750',
  incumbent: 'smollm2-135m@abc',
  tolerance: 0.05,
  rows: [
    { agent: 'planner', metric: 'plan_valid', incumbent: { mean: 0.75, low: 0.3, high: 0.95, n: 4 }, candidate: { mean: 0.25, low: 0.05, high: 0.7, n: 4 }, higherIsBetter: true, ok: false },
    { agent: 'understander', metric: 'intent_accuracy', incumbent: { mean: 0.5, low: 0.15, high: 0.85, n: 4 }, candidate: { mean: 1, low: 0.51, high: 1, n: 4 }, higherIsBetter: true, ok: true },
  ],
  dataset: null,
  evalRows: 8,
  decidedAt: '2026-12-06T12:00:00.000Z',
  lineage: { parentEventIds: [] },
};

describe('the run’s deploy-gate step', () => {
  it('prints incumbent against candidate per agent metric, then the decision', () => {
    expect(gateTable(GATED)).toEqual([
      'deploy gate: student-dealership@ckpt_2 against smollm2-135m@abc, 8 held-out rows, tolerance 0.05',
      `  ${'agent metric'.padEnd(28)}  ${'incumbent'.padEnd(20)}  ${'candidate'.padEnd(20)}  ok`,
      `  ${'planner plan_valid'.padEnd(28)}  ${'0.75 [0.30, 0.95]'.padEnd(20)}  ${'0.25 [0.05, 0.70]'.padEnd(20)}  NO`,
      `  ${'understander intent_accuracy'.padEnd(28)}  ${'0.50 [0.15, 0.85]'.padEnd(20)}  ${'1.00 [0.51, 1.00]'.padEnd(20)}  yes`,
      '  → refused: worse than smollm2-135m@abc beyond the tolerance 0.05: planner plan_valid 0.250 against 0.750',
    ]);
  });

  it('names the E2E stress scenarios when the gate played them', () => {
    const e2e = { agent: 'e2e', metric: 'pass_rate', incumbent: { mean: 0, low: 0, high: 0.79, n: 1 }, candidate: { mean: 0, low: 0, high: 0.79, n: 1 }, higherIsBetter: true, ok: true };
    const table = gateTable({ ...GATED, rows: [...GATED.rows, e2e] });
    expect(table[0]).toBe('deploy gate: student-dealership@ckpt_2 against smollm2-135m@abc, 8 held-out rows, 1 E2E stress scenarios, tolerance 0.05');
    expect(table).toContain(`  ${'e2e pass_rate'.padEnd(28)}  ${'0.00 [0.00, 0.79]'.padEnd(20)}  ${'0.00 [0.00, 0.79]'.padEnd(20)}  yes`);
  });

  it('gives the report the decision, both versions and every row with its interval', () => {
    expect(gateReportOf(GATED)).toEqual({
      decision: 'refused',
      reason: GATED.reason,
      incumbent: 'smollm2-135m@abc',
      candidate: 'student-dealership@ckpt_2',
      rows: [
        { metric: 'plan_valid', agent: 'planner', incumbent: { mean: 0.75, low: 0.3, high: 0.95, n: 4 }, candidate: { mean: 0.25, low: 0.05, high: 0.7, n: 4 }, tolerance: 0.05, ok: false },
        { metric: 'intent_accuracy', agent: 'understander', incumbent: { mean: 0.5, low: 0.15, high: 0.85, n: 4 }, candidate: { mean: 1, low: 0.51, high: 1, n: 4 }, tolerance: 0.05, ok: true },
      ],
    });
  });
});
