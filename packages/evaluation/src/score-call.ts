import { readRowPrompt } from './call-prompt.js';
import type { CallScore, MetricScores } from './call-score.js';
import type { EvalRow } from './eval-row.js';
import { scoreVerdict } from './evaluator-metrics.js';
import { scoreExplanation } from './explainer-metrics.js';
import { PlanExecutor } from './plan-executor.js';
import { scorePlan } from './planner-metrics.js';
import { scoreUnderstanding } from './understander-metrics.js';
import { UnknownAgentError } from './unknown-agent.error.js';

export interface ScoreOptions {
  /**
   * Runs the Planner's plans on copies of the dealership. Pass one to share it across calls (a
   * reference plan then runs once for every candidate) and close it when done; without one, a
   * planner call opens its own and closes it.
   */
  readonly executor?: PlanExecutor;
}

/** Scores one call of a candidate model against the row's reference output, by the row's agent; throws UnknownAgentError for another agent. */
export async function scoreCall(row: EvalRow, candidate: string, options: ScoreOptions = {}): Promise<CallScore> {
  const view = readRowPrompt(row.agent, row.prompt);
  let scores: MetricScores;
  switch (row.agent) {
    case 'understander':
      scores = scoreUnderstanding(row.output, candidate);
      break;
    case 'evaluator':
      scores = scoreVerdict(row.output, candidate);
      break;
    case 'explainer':
      scores = scoreExplanation(row.output, candidate, view);
      break;
    case 'planner': {
      const executor = options.executor ?? new PlanExecutor();
      try {
        scores = await scorePlan(row.output, candidate, view, executor);
      } finally {
        if (!options.executor) await executor.close();
      }
      break;
    }
    default:
      throw new UnknownAgentError(row.id, row.agent);
  }
  const problems = view ? scores.problems : ['the prompt is not a rendered transcript ending with the call\'s user message', ...scores.problems];
  return { id: row.id, agent: row.agent, ...(row.turnId === undefined ? {} : { turnId: row.turnId }), metrics: scores.metrics, problems };
}

/** Scores many calls with one shared executor (closed at the end): `candidate` gives the candidate's output for a row. */
export async function scoreCalls(rows: readonly EvalRow[], candidate: (row: EvalRow) => string | Promise<string>, options: ScoreOptions = {}): Promise<CallScore[]> {
  const executor = options.executor ?? new PlanExecutor();
  try {
    const scores: CallScore[] = [];
    for (const row of rows) scores.push(await scoreCall(row, await candidate(row), { executor }));
    return scores;
  } finally {
    if (!options.executor) await executor.close();
  }
}
