import { understandingSchema } from '@distillery/dealership';
import { readJsonOutput, sameValue, shown } from './json-output.js';
import type { RoleReview } from './role-review.js';

function fieldDifferences(field: string, expected: Readonly<Record<string, unknown>>, got: Readonly<Record<string, unknown>>): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])].sort();
  return keys.filter((key) => !sameValue(expected[key], got[key])).map((key) => `${field}.${key}: expected ${shown(expected[key])}, got ${shown(got[key])}`);
}

/** The Understander: its JSON (intents, entities, state, out of scope) compared field by field, not as text. */
export const understanderReview: RoleReview = {
  rubric:
    'The Understander answers with one JSON object {"intents": [...], "entities": {...}, "state": {...}, "outOfScope": boolean} and nothing else. Intents are every request in the customer\'s message (snake_case); entities are only what the message and memory say (make, model, body, fuel, maxPrice, vin, slot, termMonths, downPayment, ...), resolved against the memory (ordinals and "it" to the VIN meant) and the current time.',
  unreadablePrompt: (context) => (context.view.input.trim() ? undefined : 'the prompt has no customer message to understand'),
  findings: (output) => readJsonOutput(output, understandingSchema).problems,
  differences(output, reference) {
    const got = readJsonOutput(output, understandingSchema);
    const expected = readJsonOutput(reference, understandingSchema);
    if (!got.ok || !expected.ok) return [];
    const reasons: string[] = [];
    const [want, have] = [new Set(expected.value.intents), new Set(got.value.intents)];
    if (want.size !== have.size || [...want].some((intent) => !have.has(intent))) reasons.push(`intents: expected ${shown([...want])}, got ${shown([...have])}`);
    reasons.push(...fieldDifferences('entities', expected.value.entities, got.value.entities));
    reasons.push(...fieldDifferences('state', expected.value.state, got.value.state));
    if (expected.value.outOfScope !== got.value.outOfScope) reasons.push(`outOfScope: expected ${expected.value.outOfScope}, got ${got.value.outOfScope}`);
    return reasons;
  },
};
