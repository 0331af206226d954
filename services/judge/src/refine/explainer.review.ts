import { jsonLine } from '@distillery/dealership';
import { unsupportedStatements } from './explanation-facts.js';
import type { RoleReview } from './role-review.js';

/** The Explainer: every fact it states must be in the plan's results (its wording is free). */
export const explainerReview: RoleReview = {
  rubric:
    'The Explainer answers in plain text for the customer, friendly and concise, at most 5 sentences. It says only what the results support: every vehicle, VIN, price, payment, slot and confirmation it names is in the results, failures are told as failures, and it never invents vehicles, prices or bookings.',
  unreadablePrompt: (context) => (jsonLine(context.view.input, 'Results') === undefined ? 'the explainer prompt has no readable Results line' : undefined),
  findings(output, context) {
    if (!output.trim()) return ['the explanation is empty'];
    return unsupportedStatements(output, jsonLine(context.view.input, 'Results'));
  },
  differences: () => [],
};
