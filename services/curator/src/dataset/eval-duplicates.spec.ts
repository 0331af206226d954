import { describe, expect, it } from 'vitest';
import { understanderPrompt } from '../testing/turn-builders.js';
import type { CptRow, DpoRow, SftRow } from './dataset-rows.js';
import { customerUtterances, dropPromptsInTraining, measureDuplicates, trainingTextOf } from './eval-duplicates.js';

const sftRow = (id: string, agent: SftRow['agent'], prompt: string, output: string): SftRow => ({ id, agent, prompt, output, conversationId: `c_${id}`, turnId: `t_${id}`, verdict: 'accepted' });
const dpoRow = (id: string, prompt: string): DpoRow => ({ id, agent: 'planner', prompt, chosen: 'a', rejected: 'b', source: 'judge', conversationId: `c_${id}` });
const cptRow = (id: string, text: string, context = 'C_x'): CptRow => ({ id, text, context, source: 'domain', kind: 'conversation' });

/** Training: two SFT rows, one DPO pair, and a conversation document with two customer lines. */
const training = trainingTextOf({
  sft: [sftRow('s1', 'understander', understanderPrompt('when are you open?'), '{"intents":["dealership_info"]}'), sftRow('s2', 'planner', 'plan prompt 1', 'return {};')],
  dpo: [dpoRow('d1', 'plan prompt 2')],
  cpt: [cptRow('conversation:x', 'Customer: any SUVs under 30k?\nAssistant: We have two.\nCustomer: tell me more about the first one'), cptRow('wordnet:1', 'a self-propelled wheeled vehicle')],
});

/**
 * Eval: 5 rows. Prompts in training: e2 (an SFT prompt) and e3 (a DPO prompt) — 2 of 5. Outputs
 * in SFT: e1 and e2 — 2 of 5. Utterances (Understander rows e1, e2, e4, e5; e5 repeats e4's):
 * 'any SUVs under 30k?' (a CPT line), 'when are you open?' (an SFT prompt, in no CPT line),
 * 'any trucks under 20k?' — 1 of 3.
 */
const evalRows: SftRow[] = [
  sftRow('e1', 'understander', understanderPrompt('any SUVs under 30k?'), '{"intents":["dealership_info"]}'),
  sftRow('e2', 'understander', understanderPrompt('when are you open?'), '{"intents":["dealership_info"]}'),
  sftRow('e3', 'planner', 'plan prompt 2', 'return { other: 1 };'),
  sftRow('e4', 'understander', understanderPrompt('any trucks under 20k?'), '{"intents":["search_inventory"]}'),
  sftRow('e5', 'understander', `${understanderPrompt('any trucks under 20k?')}\n`, '{"intents":["search_inventory"],"entities":{}}'),
];

describe('measureDuplicates', () => {
  it('counts eval prompts in training, eval outputs among the SFT outputs, and distinct utterances that are a CPT line', () => {
    expect(customerUtterances(evalRows)).toEqual(['any SUVs under 30k?', 'when are you open?', 'any trucks under 20k?']);
    expect(measureDuplicates(evalRows, training)).toEqual({
      promptsInTraining: { count: 2, of: 5, rate: 0.4 },
      outputsInSft: { count: 2, of: 5, rate: 0.4 },
      utterancesInCpt: { count: 1, of: 3, rate: 0.3333 },
    });
  });

  it('matches whole lines only: an utterance inside a longer CPT line is not a duplicate', () => {
    const rows = [sftRow('e', 'understander', understanderPrompt('tell me more'), '{}'), sftRow('f', 'understander', understanderPrompt('self-propelled'), '{}')];
    expect(measureDuplicates(rows, training).utterancesInCpt).toEqual({ count: 0, of: 2, rate: 0 });
  });

  it('reads an empty eval part as no duplicates', () => {
    expect(measureDuplicates([], training)).toEqual({ promptsInTraining: { count: 0, of: 0, rate: 0 }, outputsInSft: { count: 0, of: 0, rate: 0 }, utterancesInCpt: { count: 0, of: 0, rate: 0 } });
  });
});

describe('dropPromptsInTraining', () => {
  it('drops the eval rows whose prompt is a training prompt and measures again', () => {
    const { rows, check } = dropPromptsInTraining(evalRows, training);
    expect(rows.map((row) => row.id)).toEqual(['e1', 'e4', 'e5']);
    expect(check.dropped).toBe(2);
    expect(check.before.promptsInTraining).toEqual({ count: 2, of: 5, rate: 0.4 });
    expect(check.after).toEqual({
      promptsInTraining: { count: 0, of: 3, rate: 0 },
      outputsInSft: { count: 1, of: 3, rate: 0.3333 },
      utterancesInCpt: { count: 1, of: 2, rate: 0.5 },
    });
  });
});
