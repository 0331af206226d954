import { describe, expect, it } from 'vitest';
import { readEvalRows } from './eval-row.js';
import { UnreadableEvalRowError } from './unreadable-eval-row.error.js';

describe('readEvalRows', () => {
  it('reads the curator\'s rows, keeping fields it does not name and skipping blank lines', () => {
    const rows = readEvalRows('{"id":"a","agent":"planner","prompt":"<|user|>\\nx","output":"return {};","turnId":"t","verdict":"accepted"}\n\n');
    expect(rows).toEqual([{ id: 'a', agent: 'planner', prompt: '<|user|>\nx', output: 'return {};', turnId: 't', verdict: 'accepted' }]);
  });

  it('names the line that is not a row', () => {
    expect(() => readEvalRows('{"id":"a","agent":"planner","prompt":"","output":""}\n{"id":"b"}')).toThrow(UnreadableEvalRowError);
    expect(() => readEvalRows('{"id":"a","agent":"planner","prompt":"","output":""}\n{"id":"b"}')).toThrow(/line 2 is unreadable: agent: /);
    expect(() => readEvalRows('not json')).toThrow(/line 1 is unreadable/);
  });
});
