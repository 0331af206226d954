/** Thrown by scoreCall for a row of an agent it has no metrics for (the scored agents: understander, planner, evaluator, explainer). */
export class UnknownAgentError extends Error {
  constructor(readonly rowId: string, readonly agent: string) {
    super(`eval row ${rowId} is a call of "${agent}", which has no agent-level metrics (understander, planner, evaluator, explainer)`);
    this.name = 'UnknownAgentError';
  }
}
