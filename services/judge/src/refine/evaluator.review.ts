import { z } from 'zod';
import { readJsonOutput } from './json-output.js';
import type { RoleReview } from './role-review.js';

/** The Evaluator's verdict, as the pipeline reads it. */
const evaluatorVerdictSchema = z.object({ approve: z.boolean(), feedback: z.string().default('') });

/** The LLM Evaluator: its approve/reject verdict on a plan against the reference verdict (feedback wording is free). */
export const evaluatorReview: RoleReview = {
  rubric:
    'The Evaluator answers with one JSON object {"approve": boolean, "feedback": "what to change, if not approved"}. It approves a plan only if the plan serves every request of the customer with the right tools and sensible arguments within the business rules; otherwise its feedback names what is missing or wrong.',
  unreadablePrompt: (context) => (context.view.input.includes('Plan:\n') && context.view.input.includes('Customer: ') ? undefined : 'the evaluator prompt has no Customer and Plan to review'),
  findings: (output) => readJsonOutput(output, evaluatorVerdictSchema).problems,
  differences(output, reference) {
    const [got, expected] = [readJsonOutput(output, evaluatorVerdictSchema), readJsonOutput(reference, evaluatorVerdictSchema)];
    if (!got.ok || !expected.ok || got.value.approve === expected.value.approve) return [];
    return [
      expected.value.approve
        ? 'approve: the plan serves every request of the customer with a tool that serves it, yet the Evaluator rejected it'
        : `approve: the Evaluator approved a plan that should be sent back: ${expected.value.feedback}`,
    ];
  },
};
