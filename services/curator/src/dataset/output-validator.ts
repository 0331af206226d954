import { type PlanToolCatalog, understandingSchema, validatePlan } from '@distillery/dealership';
import type { AgentName } from './dataset-rows.js';

/**
 * Why an output may not be a training target, or undefined when it may: a Planner's y* must be a
 * plan the Evaluator passes (restricted JavaScript, known tools, valid arguments, static business
 * rules); an Understander's must parse as the agents' understanding; an Evaluator's must be its
 * verdict object; every output must be non-empty (the trainer refuses empty fields).
 */
export function outputProblem(agent: AgentName, output: string, catalog: PlanToolCatalog): string | undefined {
  const text = output.trim();
  if (!text) return 'empty';
  switch (agent) {
    case 'planner': {
      const check = validatePlan(text, catalog);
      return check.ok ? undefined : `invalid-plan:${[...new Set(check.violations.map((violation) => violation.code))].sort().join('+')}`;
    }
    case 'understander':
      return understandingSchema.safeParse(parseJson(text)).success ? undefined : 'invalid-understanding';
    case 'evaluator': {
      const verdict = parseJson(text) as { approve?: unknown } | undefined;
      return typeof verdict === 'object' && verdict !== null && typeof verdict.approve === 'boolean' ? undefined : 'invalid-evaluation';
    }
    default:
      return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
