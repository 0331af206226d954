/** Why the Evaluator rejected a plan; the list goes back to the Planner as replan feedback. */
export type PlanViolationCode = 'SYNTAX' | 'FORBIDDEN_SYNTAX' | 'FORBIDDEN_IDENTIFIER' | 'UNKNOWN_TOOL' | 'ARGUMENT_INVALID' | 'RULE_VIOLATION' | 'NO_RETURN';

export interface PlanViolation {
  readonly code: PlanViolationCode;
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** The feedback the Planner sees when its plan is rejected. */
export function renderViolations(violations: readonly PlanViolation[]): string {
  return violations.map((violation) => `- line ${violation.line}:${violation.column} ${violation.code}: ${violation.message}`).join('\n');
}
