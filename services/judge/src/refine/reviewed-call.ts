import { type ChatMessage, renderTranscript } from '@distillery/llm';
import { type CallContext, readCall } from './call-context.js';
import { type AgentCall, type CallJudgement, rejected } from './call-judgement.js';
import { refinePrompt } from './refine-prompt.js';
import type { RoleReview } from './role-review.js';
import { ROLE_REVIEWS } from './role-reviews.js';

/** A call ready for a judge: its context, its role's review, the automatic checks' findings and Φ_refine. */
export interface ReviewedCall {
  readonly context: CallContext;
  readonly review: RoleReview;
  readonly findings: readonly string[];
  readonly prompt: ChatMessage[];
  /** Φ_refine as recorded: the prompt rendered as one transcript. */
  readonly refinePrompt: string;
}

/**
 * The steps both judges share: read the call's prompt back, run its role's automatic checks and
 * render Φ_refine. A call that cannot be judged (unreadable prompt, a role without model calls)
 * comes back as its `rejected` judgement.
 */
export function reviewCall(call: AgentCall): ReviewedCall | CallJudgement {
  const review = ROLE_REVIEWS[call.agent];
  const unjudgeable = (reason: string) => rejected([reason], renderTranscript(refinePrompt(call, review?.rubric, [reason])));
  if (!review) return unjudgeable(`the ${call.agent} makes no model calls, so there is nothing to judge`);
  const context = readCall(call);
  if (typeof context === 'string') return unjudgeable(context);
  const unreadable = review.unreadablePrompt(context);
  if (unreadable) return unjudgeable(unreadable);
  const findings = review.findings(call.output, context);
  const prompt = refinePrompt(call, review.rubric, findings);
  return { context, review, findings, prompt, refinePrompt: renderTranscript(prompt) };
}

export function isJudgement(value: ReviewedCall | CallJudgement): value is CallJudgement {
  return 'verdict' in value;
}
