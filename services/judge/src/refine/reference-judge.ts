import { NO_MISTAKES, referenceTeacher } from '@distillery/reference-teacher';
import type { ModelPort } from '@distillery/llm';
import { type AgentCall, accepted, type CallJudge, type CallJudgement, corrected, rejected } from './call-judgement.js';
import { isJudgement, reviewCall } from './reviewed-call.js';

/**
 * The `reference` judge: recomputes the right output of every call with the error-free reference
 * policy (the agents' teacher with no mistakes) from the call's own prompt, runs the role's
 * automatic checks (schema, the Evaluator's validator, the facts in the results) on both, and
 * compares them by meaning. Agreement: accepted. Disagreement: corrected to the reference output,
 * with a reason per differing field, tool or fact. A reference output that fails the checks
 * itself: rejected. Deterministic: the same call gives the same judgement under any seed.
 */
export class ReferenceJudge implements CallJudge {
  readonly backend = 'reference';
  readonly model = 'reference-judge';
  private readonly oracle: ModelPort;

  constructor(options: { readonly seed: number }) {
    this.oracle = referenceTeacher({ seed: options.seed, mistakes: NO_MISTAKES });
  }

  async judge(call: AgentCall): Promise<CallJudgement> {
    const reviewed = reviewCall(call);
    if (isJudgement(reviewed)) return reviewed;
    const { context, review, findings, refinePrompt } = reviewed;
    const reference = (await this.oracle.complete(context.request)).text;
    const referenceFindings = review.findings(reference, context);
    if (referenceFindings.length) {
      return rejected([...findings, `the reference ${call.agent} cannot give a valid output for this prompt either: ${referenceFindings.join('; ')}`], refinePrompt);
    }
    const reasons = findings.length ? [...findings] : review.differences(call.output, reference, context);
    return reasons.length ? corrected(reference, reasons, refinePrompt) : accepted(call.output, refinePrompt);
  }
}
