import { parseJson, verdictSchema } from '@distillery/dealership';
import type { MetricScores } from './call-score.js';

/** The LLM Evaluator: `parsed` (a verdict the pipeline can read) and `decision_accuracy` (approve or reject as the reference decided). */
export function scoreVerdict(reference: string, candidate: string): MetricScores {
  const right = parseJson(verdictSchema, reference);
  const got = parseJson(verdictSchema, candidate);
  const problems: string[] = [];
  if (!right) problems.push('the reference is not a verdict the pipeline can read');
  if (!got) return { metrics: { parsed: 0, decision_accuracy: 0 }, problems: [...problems, 'the output is not a verdict the pipeline can read ({"approve": boolean, "feedback": string})'] };
  const same = right !== undefined && right.approve === got.approve;
  if (right && !same) problems.push(`decision: expected ${right.approve ? 'approve' : 'reject'}, got ${got.approve ? 'approve' : 'reject'}`);
  return { metrics: { parsed: 1, decision_accuracy: same ? 1 : 0 }, problems };
}
