import { type PlanCheck, planCode, type PromptView, validatePlan } from '@distillery/dealership';
import type { MetricScores } from './call-score.js';
import { executionDifferences } from './execution-comparison.js';
import type { PlanExecutor } from './plan-executor.js';
import { planSetting } from './plan-setting.js';

const ruleViolations = (check: PlanCheck) => (check.ok ? 0 : check.violations.filter((violation) => violation.code === 'RULE_VIOLATION').length);
const rendered = (check: PlanCheck) => (check.ok ? [] : check.violations.map((violation) => `line ${violation.line}:${violation.column} ${violation.code}: ${violation.message}`));

/**
 * The Planner: `plan_valid` (the plan passes the Evaluator's checks, validatePlan, under the rules
 * and tools its prompt showed), `rule_violations` (how many business-rule violations those checks
 * report) and `execution_equivalent` (run beside the reference plan, each on a fresh copy of the
 * seeded dealership, it makes the same tool calls with the same effects; an invalid plan is never
 * run, as the pipeline would not run it, and scores 0).
 */
export async function scorePlan(reference: string, candidate: string, view: PromptView | undefined, executor: PlanExecutor): Promise<MetricScores> {
  const setting = view && planSetting(view);
  if (!setting) return { metrics: { plan_valid: 0, rule_violations: 0, execution_equivalent: 0 }, problems: ['the prompt has no readable Now section, so the plan cannot be checked or run as the Planner was asked'] };
  const problems: string[] = [];
  const [rightCode, gotCode] = [planCode(reference), planCode(candidate)];
  const rightCheck = validatePlan(rightCode, setting.catalog);
  if (!rightCheck.ok) problems.push(`the reference plan fails the Evaluator's checks: ${rendered(rightCheck).join('; ')}`);
  const check = validatePlan(gotCode, setting.catalog);
  const violations = ruleViolations(check);
  if (!check.ok) return { metrics: { plan_valid: 0, rule_violations: violations, execution_equivalent: 0 }, problems: [...problems, ...rendered(check).map((line) => `the Evaluator rejects the plan: ${line}`)] };
  const [rightRun, gotRun] = await Promise.all([executor.run(rightCode, setting), executor.run(gotCode, setting)]);
  const differences = executionDifferences(rightRun, gotRun);
  return { metrics: { plan_valid: 1, rule_violations: violations, execution_equivalent: differences.length ? 0 : 1 }, problems: [...problems, ...differences] };
}
