import type { CallContext } from './call-context.js';

/**
 * What the judge knows of one agent role: what its prompt must hold, what is wrong with an output
 * on its own (format, schema, the Evaluator's validator, facts), and where an output disagrees
 * with the reference output for the same prompt. Both judges use the checks; the reference judge
 * also the comparison.
 */
export interface RoleReview {
  /** What a right output of this role is, for Φ_refine. */
  readonly rubric: string;
  /** Why the prompt lacks what this role reads (then the call cannot be judged), or undefined. */
  unreadablePrompt(context: CallContext): string | undefined;
  /** Problems of `output` by itself; empty when none are found. */
  findings(output: string, context: CallContext): string[];
  /** Where `output` disagrees with `reference` (both free of findings), each naming the field or tool. */
  differences(output: string, reference: string, context: CallContext): string[];
}
