import { jsonLine, type PlanCheck, type PlanToolCall, planCode, validatePlan } from '@distillery/dealership';
import type { CallContext } from './call-context.js';
import { sameValue, shown } from './json-output.js';
import type { RoleReview } from './role-review.js';
import { catalogForRules } from './rules-reading.js';

/** The plan of an output checked by the Evaluator's validator, with the tools and rules the Planner was shown. */
export function checkPlan(output: string, context: CallContext): PlanCheck {
  return validatePlan(planCode(output), catalogForRules(context.view.section('Business rules')));
}

/** Calls of `from` with no counterpart in `other` (a multiset difference by tool name), in plan order. */
function unmatched(from: readonly PlanToolCall[], other: readonly PlanToolCall[]): PlanToolCall[] {
  const left = [...other];
  return from.filter((call) => {
    const index = left.findIndex((candidate) => candidate.tool === call.tool);
    if (index < 0) return true;
    left.splice(index, 1);
    return false;
  });
}

/** The Planner: its program through the Evaluator's static checks, then its tool calls and literal arguments against the reference plan's. */
export const plannerReview: RoleReview = {
  rubric: [
    "The Planner answers with a program only (no prose, no code fences): a function body in a JavaScript subset (const/let, if/else, for…of, return, literals, property reads) that calls the dealership's tools by name with one object argument and ends with `return { … }`.",
    'It calls exactly the tools the understood request needs (one per intent that a tool serves), with the arguments the understanding and memory give, within every business rule; what it cannot serve yet it asks for in `needs`.',
  ].join(' '),
  unreadablePrompt: (context) => (jsonLine(context.view.input, 'Understanding') ? undefined : 'the planner prompt has no readable Understanding line'),
  findings(output, context) {
    const code = planCode(output);
    if (!code) return ['the plan is empty'];
    const problems = code === output.trim() ? [] : ['the plan is wrapped in a code fence; the Planner must answer with the program only'];
    const check = checkPlan(output, context);
    if (!check.ok) problems.push(...check.violations.map((violation) => `the Evaluator rejects the plan: line ${violation.line}:${violation.column} ${violation.code}: ${violation.message}`));
    return problems;
  },
  differences(output, reference, context) {
    const [mine, right] = [checkPlan(output, context), checkPlan(reference, context)];
    if (!mine.ok || !right.ok) return [];
    const reasons = [
      ...unmatched(right.calls, mine.calls).map((call) => `the plan never calls ${call.tool}, which the request needs`),
      ...unmatched(mine.calls, right.calls).map((call) => `the plan calls ${call.tool}, which the request does not need`),
    ];
    // Calls of one tool pair up in order; literal arguments both plans set must agree.
    const remaining = [...right.calls];
    for (const call of mine.calls) {
      const index = remaining.findIndex((candidate) => candidate.tool === call.tool);
      if (index < 0) continue;
      const [counterpart] = remaining.splice(index, 1);
      for (const key of Object.keys(call.args).filter((name) => name in counterpart!.args).sort()) {
        if (!sameValue(call.args[key], counterpart!.args[key])) reasons.push(`${call.tool}.${key} is ${shown(call.args[key])} but the request gives ${shown(counterpart!.args[key])}`);
      }
    }
    return reasons;
  },
};

