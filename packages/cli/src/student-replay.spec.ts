import { FALLBACK_REPLY } from '@distillery/dealership';
import { type EvalRow, PlanExecutor } from '@distillery/evaluation';
import type { TurnTrace__Output } from '@distillery/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { goldByTurn, type ReplayedTurn, replayTable, scoreReplayedTurn, type StudentReplay, summarizeReplay } from './student-replay.js';

const understanding = '{"intents":["search_inventory"],"entities":{"body":"sedan","maxPrice":15000},"state":{},"outOfScope":false}';
const plan = 'const found = searchInventory({ body: "sedan", maxPrice: 15000, limit: 5 });\nreturn { found };';
const results = '{"found":{"ok":true,"vehicles":[{"vin":"PT9G663G8KK5FF28D","year":2019,"make":"Chevrolet","model":"Malibu","price":12900,"mileage":59480}]}}';
const reply = 'I found a 2019 Chevrolet Malibu for $12,900 with 59,480 mi, VIN PT9G663G8KK5FF28D.';
const now = '## Now\n2026-12-07T10:00:00+00:00\nMonday 2026-12-07 10:00, dealership time (UTC+0)';
const prompts = {
  understander: '<|system|>\nYou are the Understander.\n<|user|>\nany sedans under 15k?',
  planner: `<|system|>\nYou are the Planner.\n\n${now}\n<|user|>\nCustomer: any sedans under 15k?\nUnderstanding: ${understanding}`,
  explainer: `<|system|>\nYou are the Explainer.\n<|user|>\nCustomer: any sedans under 15k?\nResults: ${results}`,
};

/** The judge-refined rows of turn t1, as the dataset's eval.jsonl has them. */
const rows: EvalRow[] = [
  { id: 't1:c1', agent: 'understander', turnId: 't1', prompt: prompts.understander, output: understanding },
  { id: 't1:c2', agent: 'planner', turnId: 't1', prompt: prompts.planner, output: plan },
  { id: 't1:c3', agent: 'explainer', turnId: 't1', prompt: prompts.explainer, output: reply },
];
const gold = goldByTurn(rows).get('t1')!;

type AgentCall = TurnTrace__Output['calls'][number];

function call(agent: AgentCall['agent'], output: string, prompt = ''): AgentCall {
  return { agent, attempt: 1, prompt, output, backend: 'x', model: 'x', latencyMs: 1, inputTokens: 1, outputTokens: 1 };
}

/** A turn's trace whose calls answer as the refined rows do, with `fields` changed. */
function trace(fields: Partial<TurnTrace__Output> = {}): TurnTrace__Output {
  return {
    sessionId: 's',
    turnId: 't1',
    userMessage: 'any sedans under 15k?',
    reply,
    calls: [call('UNDERSTANDER', understanding, prompts.understander), call('PLANNER', plan, prompts.planner), call('EXPLAINER', reply, prompts.explainer)],
    toolCalls: [{ tool: 'searchInventory', argsJson: '{"body":"sedan","maxPrice":15000,"limit":5}', ok: true, resultJson: results, error: '', latencyMs: 1 }],
    planCode: plan,
    halsteadVolume: 10,
    halsteadDifficulty: 1,
    halsteadEffort: 10,
    llmEvaluatorRan: false,
    replans: 0,
    ...fields,
  } as TurnTrace__Output;
}

const withCall = (agent: AgentCall['agent'], output: string) => trace({ calls: trace().calls.map((one) => (one.agent === agent ? { ...one, output } : one)) });
const metric = (turn: ReplayedTurn, agent: string, name: string) => turn.calls.find((score) => score.agent === agent)?.metrics[name];

describe('scoring a replayed turn with the agent-level metrics against the refined outputs', () => {
  const executor = new PlanExecutor();
  afterAll(() => executor.close());

  it('gives a turn that answers as the refined outputs full marks', async () => {
    const turn = await scoreReplayedTurn(trace(), gold, executor);
    expect(turn.calls.map((score) => [score.agent, score.metrics])).toEqual([
      ['understander', { parsed: 1, intent_accuracy: 1, entity_f1: 1 }],
      ['planner', { plan_valid: 1, rule_violations: 0, execution_equivalent: 1 }],
      ['explainer', { faithful: 1, complete: 1 }],
    ]);
    expect([turn.completed, turn.planFirstTry, turn.seconds]).toEqual([true, true, undefined]);
  });

  it('scores a wrong intent 0 and a reply that invents a price unfaithful, naming the price', async () => {
    const wrongIntent = await scoreReplayedTurn(withCall('UNDERSTANDER', understanding.replace('search_inventory', 'reserve_vehicle')), gold, executor);
    expect([metric(wrongIntent, 'understander', 'intent_accuracy'), metric(wrongIntent, 'understander', 'entity_f1')]).toEqual([0, 1]);
    const invented = await scoreReplayedTurn(withCall('EXPLAINER', reply.replace('$12,900', '$9,999')), gold, executor);
    expect(metric(invented, 'explainer', 'faithful')).toBe(0);
    expect(invented.calls.find((score) => score.agent === 'explainer')?.problems).toContain('states the price "$9,999", which the tool results do not contain');
  });

  it('reads the Explainer against its own results: a price its own search returned is faithful though the teacher never saw it', async () => {
    const ownResults = results.replace('12900', '11500');
    const own = reply.replace('$12,900', '$11,500');
    const turn = await scoreReplayedTurn(trace({ calls: [...trace().calls.slice(0, 2), call('EXPLAINER', own, prompts.explainer.replace(results, ownResults))] }), gold, executor);
    expect([metric(turn, 'explainer', 'faithful'), metric(turn, 'explainer', 'complete')]).toEqual([1, 0.75]);
  });

  it('runs the plan beside the refined one: other arguments are valid but not equivalent, an unknown tool is invalid; a replan and the fallback are counted', async () => {
    const other = await scoreReplayedTurn(withCall('PLANNER', plan.replace('15000', '25000')), gold, executor);
    expect([metric(other, 'planner', 'plan_valid'), metric(other, 'planner', 'execution_equivalent')]).toEqual([1, 0]);
    const unknown = await scoreReplayedTurn(withCall('PLANNER', 'return teleport({});'), gold, executor);
    expect(metric(unknown, 'planner', 'plan_valid')).toBe(0);
    const replanned = await scoreReplayedTurn(trace({ replans: 1 }), gold, executor);
    expect([replanned.planFirstTry, replanned.completed]).toEqual([false, true]);
    // no valid plan: no Explainer call, the fallback reply; the missing call states nothing and misses every fact
    const fallback = await scoreReplayedTurn(trace({ calls: trace().calls.slice(0, 2), planCode: '', reply: FALLBACK_REPLY, replans: 2 }), gold, executor, 3);
    expect([fallback.completed, fallback.planFirstTry, fallback.seconds, metric(fallback, 'explainer', 'complete')]).toEqual([false, false, 3, 0]);
  });

  it('keeps the last row of an agent in a turn (the call the turn used), and skips rows without a turn', () => {
    const turns = goldByTurn([...rows, { ...rows[1]!, id: 't1:c4', output: 'return {};' }, { id: 'x', agent: 'planner', prompt: '', output: '' }]);
    expect([...turns.keys()]).toEqual(['t1']);
    expect(turns.get('t1')?.get('planner')?.id).toBe('t1:c4');
  });

  it('summarizes teacher and student side by side with intervals: the student’s invented price and fallback show, the teacher has no seconds', async () => {
    const teacher = summarizeReplay([await scoreReplayedTurn(trace(), gold, executor), await scoreReplayedTurn(trace(), gold, executor)]);
    const student = summarizeReplay([
      await scoreReplayedTurn(withCall('EXPLAINER', reply.replace('$12,900', '$9,999')), gold, executor, 2),
      await scoreReplayedTurn(trace({ calls: trace().calls.slice(0, 2), planCode: '', reply: FALLBACK_REPLY }), gold, executor, 4),
    ]);
    const line = (scores: typeof student, agent: string, name: string) => scores.metrics.find((one) => one.agent === agent && one.metric === name);
    expect(line(student, 'explainer', 'faithful')).toMatchObject({ n: 2, mean: 0.5, interval: 'wilson' });
    expect(line(student, 'turn', 'whole_turn_success')?.mean).toBe(0);
    expect(line(student, 'turn', 'completed')?.mean).toBe(0.5);
    expect(line(student, 'turn', 'seconds')).toMatchObject({ n: 2, mean: 3, interval: 'bootstrap' });
    expect(line(teacher, 'turn', 'seconds')).toBeUndefined();
    expect(teacher.metrics.filter((one) => one.metric !== 'rule_violations').every((one) => one.mean === 1)).toBe(true);

    const replay: StudentReplay = { version: 'student-dealership@ckpt_1', servedAs: { precision: 'bf16', drafterId: null, refusals: [] }, conversations: 1, teacher, student };
    const table = replayTable(replay);
    expect(table[0]).toBe('| 2 held-out turns of 1 conversations: mean [95% interval] | teacher | student (student-dealership@ckpt_1) |');
    expect(table).toContain('| explainer: faithful | 1.00 [0.34, 1.00] | 0.50 [0.09, 0.91] |');
    expect(table).toContain('| turn: completed (no fallback) | 1.00 [0.34, 1.00] | 0.50 [0.09, 0.91] |');
    expect(table.at(-1)).toMatch(/^\| turn: seconds \| – \| 3\.00 \[2\.00, 4\.00\] \|$/);
  });
});
