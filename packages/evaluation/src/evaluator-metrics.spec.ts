import { describe, expect, it } from 'vitest';
import { scoreVerdict } from './evaluator-metrics.js';
import { scoreCall } from './score-call.js';

const approve = '{"approve": true, "feedback": ""}';
const reject = '{"approve": false, "feedback": "the plan never calls scheduleTestDrive"}';

describe('the Evaluator metrics', () => {
  it('score the decision, not the feedback wording', () => {
    expect(scoreVerdict(reject, '{"approve": false, "feedback": "book the drive first"}')).toEqual({ metrics: { parsed: 1, decision_accuracy: 1 }, problems: [] });
    expect(scoreVerdict(approve, approve)).toEqual({ metrics: { parsed: 1, decision_accuracy: 1 }, problems: [] });
  });

  it('score the opposite decision 0', () => {
    expect(scoreVerdict(reject, approve)).toEqual({ metrics: { parsed: 1, decision_accuracy: 0 }, problems: ['decision: expected reject, got approve'] });
  });

  it('score a verdict the pipeline cannot read 0', async () => {
    const score = await scoreCall({ id: 'e1', agent: 'evaluator', prompt: '<|system|>\nx\n<|user|>\nCustomer: hi\nPlan:\nreturn {};', output: approve }, 'approve');
    expect(score.metrics).toEqual({ parsed: 0, decision_accuracy: 0 });
  });
});
