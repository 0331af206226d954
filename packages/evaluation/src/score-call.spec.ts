import { afterAll, describe, expect, it } from 'vitest';
import { PlanExecutor } from './plan-executor.js';
import { scoreCall, scoreCalls } from './score-call.js';
import { summarize } from './summarize.js';
import { fixtureRows } from './testing/fixture-rows.js';
import { UnknownAgentError } from './unknown-agent.error.js';

describe('scoreCall over real held-out rows', () => {
  const executor = new PlanExecutor();
  afterAll(() => executor.close());
  const rows = fixtureRows();

  it('scores the teacher against itself 1 on every metric and every turn a success', async () => {
    const scores = await scoreCalls(rows, (row) => row.output, { executor });
    expect(scores.flatMap((score) => score.problems)).toEqual([]);
    for (const line of summarize(scores)) expect([line.agent, line.metric, line.mean]).toEqual([line.agent, line.metric, line.metric === 'rule_violations' ? 0 : 1]);
    expect(summarize(scores).find((line) => line.metric === 'whole_turn_success')).toMatchObject({ n: 3, mean: 1 });
  });

  it('scores a candidate that answers every call of a turn with another turn\'s outputs low, with reasons', async () => {
    const byAgent = new Map<string, string[]>();
    for (const row of rows) byAgent.set(row.agent, [...(byAgent.get(row.agent) ?? []), row.output]);
    const shifted = (agent: string, index: number) => byAgent.get(agent)![(index + 1) % 3]!;
    const scores = await scoreCalls(rows, (row) => shifted(row.agent, byAgent.get(row.agent)!.indexOf(row.output)), { executor });
    expect(scores.every((score) => score.problems.length > 0)).toBe(true);
    expect(summarize(scores).find((line) => line.metric === 'whole_turn_success')).toMatchObject({ n: 3, mean: 0 });
    expect(summarize(scores).find((line) => line.metric === 'execution_equivalent')).toMatchObject({ n: 3, mean: 0 });
  });

  it('refuses a row of an agent it has no metrics for', async () => {
    await expect(scoreCall({ id: 'x', agent: 'executor', prompt: '', output: '' }, '')).rejects.toThrow(UnknownAgentError);
  });
});
