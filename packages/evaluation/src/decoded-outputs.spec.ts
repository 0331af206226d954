import { describe, expect, it } from 'vitest';
import { readDecodedOutputs, scoreDecoded } from './decoded-outputs.js';
import type { EvalRow } from './eval-row.js';
import { UnreadableEvalOutputsError } from './unreadable-eval-outputs.error.js';

const understanding = (intent: string) => JSON.stringify({ intents: [intent], entities: {}, state: {}, outOfScope: false });
const ROWS = new Map<string, EvalRow>(
  [
    { id: 'a', agent: 'understander', prompt: '<|system|>\nYou are the Understander.\n<|user|>\nhi', output: understanding('greeting'), turnId: 't1' },
    { id: 'b', agent: 'executor', prompt: '<|user|>\nrun', output: '{}', turnId: 't1' },
  ].map((row) => [row.id, row]),
);
const line = (id: string, agent: string, output: string) => JSON.stringify({ id, agent, output });

describe('decoded held-out outputs', () => {
  it('pairs each output with its row by id, leaves agents that are not scored out, and scores them', async () => {
    const decoded = readDecodedOutputs([line('a', 'understander', understanding('hand_off')), line('b', 'executor', '{}'), ''].join('\n'), 'run/eval_outputs.jsonl', ROWS);
    expect(decoded.map(({ row, output }) => [row.id, output])).toEqual([['a', understanding('hand_off')]]);
    expect((await scoreDecoded(decoded)).find((summary) => summary.metric === 'intent_accuracy')).toMatchObject({ agent: 'understander', n: 1, mean: 0 });
  });

  it('names the file and the line of an output that is not one of a held-out row', () => {
    const read = (text: string) => () => readDecodedOutputs(text, 'run/eval_outputs.jsonl', ROWS);
    expect(read('not json')).toThrow(new UnreadableEvalOutputsError('run/eval_outputs.jsonl', 1, 'x').constructor as typeof UnreadableEvalOutputsError);
    expect(read(`\n${line('zz', 'understander', '')}`)).toThrow('run/eval_outputs.jsonl line 2: id "zz" is no held-out row of the job\'s dataset');
    expect(read(line('a', 'planner', ''))).toThrow("run/eval_outputs.jsonl line 1: row a is the understander's, not the planner's");
  });
});
