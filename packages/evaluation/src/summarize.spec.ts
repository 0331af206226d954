import { describe, expect, it } from 'vitest';
import type { CallScore } from './call-score.js';
import { bootstrapMeanInterval, wilsonInterval } from './confidence-intervals.js';
import { fullMarks, summarize, turnOutcomes } from './summarize.js';

const call = (id: string, agent: string, turnId: string | undefined, metrics: Record<string, number>): CallScore => ({ id, agent, ...(turnId ? { turnId } : {}), metrics, problems: [] });

const scores: CallScore[] = [
  call('t1:1', 'understander', 't1', { parsed: 1, intent_accuracy: 1, entity_f1: 1 }),
  call('t1:2', 'planner', 't1', { plan_valid: 1, rule_violations: 0, execution_equivalent: 1 }),
  call('t1:3', 'explainer', 't1', { faithful: 1, complete: 1 }),
  call('t2:1', 'understander', 't2', { parsed: 1, intent_accuracy: 1, entity_f1: 0.5 }),
  call('t2:2', 'planner', 't2', { plan_valid: 1, rule_violations: 0, execution_equivalent: 1 }),
  call('t2:3', 'explainer', 't2', { faithful: 1, complete: 1 }),
  call('t3:1', 'understander', 't3', { parsed: 1, intent_accuracy: 1, entity_f1: 1 }),
  call('t3:2', 'planner', 't3', { plan_valid: 0, rule_violations: 2, execution_equivalent: 0 }),
  call('t3:3', 'planner', 't3', { plan_valid: 1, rule_violations: 0, execution_equivalent: 1 }),
  call('loose', 'explainer', undefined, { faithful: 0, complete: 0.5 }),
];

describe('summarize', () => {
  it('gives full marks only when every main metric of the agent is 1', () => {
    expect(fullMarks(scores[0]!)).toBe(true);
    expect(fullMarks(scores[3]!)).toBe(false);
    expect(fullMarks(call('x', 'explainer', 't', { faithful: 1, complete: 0.9 }))).toBe(false);
    expect(fullMarks(call('x', 'evaluator', 't', { parsed: 1, decision_accuracy: 1 }))).toBe(true);
  });

  it('lets a turn succeed only when every call of it has full marks (a replan\'s rejected plan fails it)', () => {
    expect(turnOutcomes(scores)).toEqual([
      { turnId: 't1', success: true, failedCalls: [] },
      { turnId: 't2', success: false, failedCalls: ['t2:1'] },
      { turnId: 't3', success: false, failedCalls: ['t3:2'] },
    ]);
  });

  it('summarises each agent\'s metrics in pipeline order with Wilson intervals for proportions and bootstrap ones for means', () => {
    const summaries = summarize(scores);
    expect(summaries.map((line) => `${line.agent}.${line.metric}`)).toEqual([
      'understander.parsed', 'understander.intent_accuracy', 'understander.entity_f1',
      'planner.plan_valid', 'planner.rule_violations', 'planner.execution_equivalent',
      'explainer.faithful', 'explainer.complete',
      'turn.whole_turn_success',
    ]);
    const line = (agent: string, metric: string) => summaries.find((candidate) => candidate.agent === agent && candidate.metric === metric)!;
    expect(line('planner', 'plan_valid')).toEqual({ agent: 'planner', metric: 'plan_valid', n: 4, mean: 0.75, ...wilsonInterval(3, 4), interval: 'wilson' });
    expect(line('planner', 'rule_violations')).toEqual({ agent: 'planner', metric: 'rule_violations', n: 4, mean: 0.5, ...bootstrapMeanInterval([0, 0, 2, 0]), interval: 'bootstrap' });
    expect(line('understander', 'entity_f1')).toMatchObject({ n: 3, mean: 2.5 / 3, interval: 'bootstrap' });
    expect(line('explainer', 'faithful')).toMatchObject({ n: 3, mean: 2 / 3 });
    expect(line('turn', 'whole_turn_success')).toEqual({ agent: 'turn', metric: 'whole_turn_success', n: 3, mean: 1 / 3, ...wilsonInterval(1, 3), interval: 'wilson' });
  });

  it('gives nothing for no scores', () => {
    expect(summarize([])).toEqual([]);
  });
});
