import type { AgentCall } from './call-judgement.js';
import { evaluatorReview } from './evaluator.review.js';
import { explainerReview } from './explainer.review.js';
import { plannerReview } from './planner.review.js';
import type { RoleReview } from './role-review.js';
import { understanderReview } from './understander.review.js';

/** The review of each role that makes model calls; the Executor runs the plan and makes none. */
export const ROLE_REVIEWS: Readonly<Partial<Record<AgentCall['agent'], RoleReview>>> = {
  understander: understanderReview,
  planner: plannerReview,
  evaluator: evaluatorReview,
  explainer: explainerReview,
};
