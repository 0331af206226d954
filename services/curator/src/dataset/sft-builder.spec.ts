import { DEFAULT_RULES, toolCatalog } from '@distillery/dealership';
import { describe, expect, it } from 'vitest';
import { callOf, simpleTurn, turnOf } from '../testing/turn-builders.js';
import { buildJudgePairs } from './dpo-builder.js';
import { buildSftRows } from './sft-builder.js';

const catalog = toolCatalog(DEFAULT_RULES);

describe('buildSftRows', () => {
  it('keeps accepted and corrected calls with y* as the output, leaves rejected ones out', () => {
    const turn = turnOf('c1', 0, [
      callOf('understander', '{"intents":["greeting"],"entities":{}}'),
      callOf('planner', 'return openingHours({});', { refined: 'const info = dealershipInfo({});\nreturn { info };' }),
      callOf('explainer', 'We have a great Ferrari for you.', { refined: 'Hello! How can I help?', verdict: 'rejected' }),
    ]);
    const sft = buildSftRows([turn], catalog);
    expect(sft.rows.map((row) => [row.agent, row.verdict, row.output])).toEqual([
      ['understander', 'accepted', '{"intents":["greeting"],"entities":{}}'],
      ['planner', 'corrected', 'const info = dealershipInfo({});\nreturn { info };'],
    ]);
    expect(sft.rows[0]).toMatchObject({ id: 'turn_c1_0:call_1', prompt: turn.calls[0]!.prompt, conversationId: 'c1', turnId: 'turn_c1_0' });
    expect(sft.excluded).toEqual({ rejected: 1 });
    expect(sft.dropped).toEqual({});
    expect(sft.rows.every((row) => row.teacherOutput === undefined)).toBe(true);
  });

  it('keeps the teacher’s own y beside y* on held-out rows (withTeacherOutput)', () => {
    const turn = turnOf('c1', 0, [callOf('planner', 'return openingHours({});', { refined: 'const info = dealershipInfo({});\nreturn { info };' })]);
    expect(buildSftRows([turn], catalog, { withTeacherOutput: true }).rows.map((row) => [row.output, row.teacherOutput])).toEqual([['const info = dealershipInfo({});\nreturn { info };', 'return openingHours({});']]);
  });

  it('drops and counts outputs that fail their validator', () => {
    const turn = turnOf('c1', 0, [
      callOf('planner', 'return dealershipInfo({ location: "moon" });'),
      callOf('planner', 'const r = reserveVehicle({ vin: "K3M82DM18PGMRNGR3", deposit: 100 });\nreturn { r };'),
      callOf('planner', 'while (true) {}'),
      callOf('understander', 'I think they want a car'),
      callOf('understander', '{"intents":[],"entities":{}}'),
      callOf('evaluator', '{"approve":"yes"}'),
      callOf('explainer', '   '),
      callOf('evaluator', '{"approve":true,"feedback":""}'),
    ]);
    const sft = buildSftRows([turn], catalog);
    expect(sft.rows.map((row) => row.agent)).toEqual(['evaluator']);
    expect(sft.dropped).toEqual({
      'planner/invalid-plan:ARGUMENT_INVALID': 1,
      'planner/invalid-plan:RULE_VIOLATION': 1,
      'planner/invalid-plan:FORBIDDEN_SYNTAX': 1,
      'understander/invalid-understanding': 2,
      'evaluator/invalid-evaluation': 1,
      'explainer/empty': 1,
    });
  });
});

describe('buildJudgePairs', () => {
  it('makes (prompt, chosen y*, rejected y) from every corrected call only', () => {
    const turns = [simpleTurn('c1', 0, { plan: 'return openingHours({});', refinedPlan: 'const info = dealershipInfo({});\nreturn { info };' }), simpleTurn('c2', 0)];
    const pairs = buildJudgePairs(turns, catalog);
    expect(pairs.rows).toEqual([
      {
        id: 'turn_c1_0:call_2',
        agent: 'planner',
        prompt: turns[0]!.calls[1]!.prompt,
        chosen: 'const info = dealershipInfo({});\nreturn { info };',
        rejected: 'return openingHours({});',
        source: 'judge',
        conversationId: 'c1',
      },
    ]);
  });

  it('refuses pairs whose chosen answer is invalid, whose rejected one is empty, or that do not differ', () => {
    const turn = turnOf('c1', 0, [
      callOf('planner', 'return x;', { refined: 'return openingHours({});' }),
      callOf('explainer', '', { refined: 'Hello!' }),
      callOf('explainer', 'Same.', { refined: 'Same.', verdict: 'corrected' }),
    ]);
    const pairs = buildJudgePairs([turn], catalog);
    expect(pairs.rows).toEqual([]);
    expect(pairs.dropped).toEqual({ 'planner/chosen-invalid-plan:UNKNOWN_TOOL': 1, 'explainer/rejected-empty': 1, 'explainer/identical': 1 });
  });
});
