import type { TurnTrace__Output } from '@distillery/proto';
import { describe, expect, it } from 'vitest';
import { score, summarize } from './student-replay.js';

const understanding = '{"intents":["search_inventory"],"entities":{"colour":"red","maxPrice":30000},"state":{},"outOfScope":false}';

function trace(fields: Partial<TurnTrace__Output>): TurnTrace__Output {
  return {
    sessionId: 's',
    turnId: 't',
    userMessage: 'A red SUV under 30,000?',
    reply: 'We have a red 2021 SUV at 27,500.',
    calls: [{ agent: 'UNDERSTANDER', attempt: 1, prompt: '', output: understanding, backend: 'x', model: 'x', latencyMs: 1, inputTokens: 1, outputTokens: 1 }],
    toolCalls: [{ tool: 'searchInventory', argsJson: '{"colour":"red"}', ok: true, resultJson: '[{"year":2021,"price":27500}]', error: '', latencyMs: 1 }],
    planCode: 'return searchInventory({ colour: "red" });',
    halsteadVolume: 10,
    halsteadDifficulty: 1,
    halsteadEffort: 10,
    llmEvaluatorRan: false,
    replans: 0,
    ...fields,
  } as TurnTrace__Output;
}

const gold = new Map([['understander', understanding]]);

describe('scoring a replayed turn against the teacher and the refined outputs', () => {
  it('gives the teacher’s own turn full marks', () => {
    const teacher = trace({});
    expect(score(teacher, teacher, gold, 0)).toEqual({
      understanderJson: true,
      intentsMatch: true,
      entitiesMatch: true,
      planValid: true,
      planFirstTry: true,
      executesAsTeacher: true,
      replyFaithful: true,
      completed: true,
      seconds: 0,
    });
  });

  it('marks what a student got wrong: prose instead of JSON, a replan, other tool calls, a made-up price, the fallback', () => {
    const teacher = trace({});
    const rambling = score(trace({ calls: [{ ...teacher.calls[0]!, output: 'Sure! The customer wants a car.' }], replans: 1, toolCalls: [{ ...teacher.toolCalls[0]!, argsJson: '{"colour":"blue"}' }], reply: 'A red SUV at 19,999.' }), teacher, gold, 2);
    expect(rambling).toMatchObject({ understanderJson: false, intentsMatch: false, planValid: true, planFirstTry: false, executesAsTeacher: false, replyFaithful: false, completed: true });
    const fallback = score(trace({ planCode: '', reply: "I'm sorry, I couldn't complete that request. I've asked a member of our sales team to follow up with you." }), teacher, gold, 2);
    expect(fallback).toMatchObject({ planValid: false, executesAsTeacher: false, replyFaithful: false, completed: false });
    const otherEntities = score(trace({ calls: [{ ...teacher.calls[0]!, output: understanding.replace('30000', '40000') }] }), teacher, gold, 1);
    expect([otherEntities.intentsMatch, otherEntities.entitiesMatch]).toEqual([true, false]);
  });

  it('summarizes rates and the mean seconds per turn', () => {
    const teacher = trace({});
    const summary = summarize([score(teacher, teacher, gold, 2), score(trace({ planCode: '', reply: "I'm sorry, I couldn't complete that request." }), teacher, gold, 4)]);
    expect([summary.turns, summary.planValid, summary.turnsCompleted, summary.secondsPerTurn]).toEqual([2, 0.5, 0.5, 3]);
  });
});
