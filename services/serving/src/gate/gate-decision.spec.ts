import type { MetricSummary } from '@distillery/evaluation';
import { describe, expect, it } from 'vitest';
import { decideGate } from './gate-decision.js';

const summary = (agent: string, metric: string, mean: number, n = 20): MetricSummary => ({ agent, metric, n, mean, low: Math.max(0, mean - 0.1), high: Math.min(1, mean + 0.1), interval: 'wilson' });

describe('the deploy gate’s rule', () => {
  const incumbent = [summary('planner', 'execution_equivalent', 0.6), summary('planner', 'rule_violations', 0.1), summary('understander', 'intent_accuracy', 0.9)];

  it('accepts a candidate no worse than the incumbent less the tolerance, and names it', () => {
    const verdict = decideGate([summary('planner', 'execution_equivalent', 0.56), summary('planner', 'rule_violations', 0.14), summary('understander', 'intent_accuracy', 0.95)], incumbent, 0.05, 'student@ckpt_1');
    expect(verdict.decision).toBe('accepted');
    expect(verdict.reason).toBe("no metric worse than student@ckpt_1's by more than 0.05");
    expect(verdict.rows.every((row) => row.ok)).toBe(true);
    expect(verdict.rows[0]).toMatchObject({ agent: 'planner', metric: 'execution_equivalent', incumbent: { mean: 0.6, n: 20 }, candidate: { mean: 0.56 }, higherIsBetter: true, tolerance: 0.05 });
  });

  it('refuses a candidate with one rate worse beyond the tolerance, naming the figures', () => {
    const verdict = decideGate([summary('planner', 'execution_equivalent', 0.5), summary('planner', 'rule_violations', 0.1), summary('understander', 'intent_accuracy', 0.9)], incumbent, 0.05, 'student@ckpt_1');
    expect(verdict.decision).toBe('refused');
    expect(verdict.reason).toBe('worse than student@ckpt_1 beyond the tolerance 0.05: planner execution_equivalent 0.500 against 0.600');
    expect(verdict.rows.filter((row) => !row.ok).map((row) => row.metric)).toEqual(['execution_equivalent']);
  });

  it('reads violation counts the other way round: more is worse', () => {
    const verdict = decideGate([summary('planner', 'execution_equivalent', 0.6), summary('planner', 'rule_violations', 0.3), summary('understander', 'intent_accuracy', 0.9)], incumbent, 0.05);
    expect(verdict.decision).toBe('refused');
    expect(verdict.rows.find((row) => row.metric === 'rule_violations')).toMatchObject({ higherIsBetter: false, ok: false });
  });

  it('accepts a model’s first version on its own figures, and lets a metric the incumbent lacks not decide', () => {
    expect(decideGate([summary('planner', 'execution_equivalent', 0.1)], null, 0.05)).toMatchObject({ decision: 'accepted', reason: expect.stringMatching(/^no incumbent/), rows: [{ incumbent: null, ok: true }] });
    expect(decideGate([summary('explainer', 'faithful', 0.1)], incumbent, 0.05).decision).toBe('accepted');
  });
});
