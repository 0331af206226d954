/**
 * @distillery/evaluation — Agent-level metrics: each held-out call of a candidate model scored
 * against the teacher's reference output from parsed outputs (intents and entities, the
 * Evaluator's plan checks, plan runs on copies of the dealership, verdicts, the facts of a reply
 * against its tool results), and summarised per agent with 95% intervals and whole-turn success.
 * The deploy gate, the run report and the stress test all score with this one module.
 *
 * ```ts
 * import { PlanExecutor, readEvalRows, scoreCalls, summarize } from '@distillery/evaluation';
 * const rows = readEvalRows(await readFile('eval.jsonl', 'utf8'));
 * const scores = await scoreCalls(rows, (row) => candidateOutputs.get(row.id) ?? '');
 * for (const line of summarize(scores)) console.log(line.agent, line.metric, line.mean, [line.low, line.high]);
 * ```
 */
export { readEvalRows, SCORED_AGENTS, type EvalRow, type ScoredAgent } from './eval-row.js';
export { UnreadableEvalRowError } from './unreadable-eval-row.error.js';
export { UnreadableEvalOutputsError } from './unreadable-eval-outputs.error.js';
export { readDecodedOutputs, scoreDecoded, type DecodedRow } from './decoded-outputs.js';
export { UnknownAgentError } from './unknown-agent.error.js';
export type { CallScore, MetricScores } from './call-score.js';
export { scoreCall, scoreCalls, type ScoreOptions } from './score-call.js';
export { LOWER_IS_BETTER_METRICS, MAIN_METRICS, PROPORTION_METRICS, fullMarks, summarize, turnOutcomes, type MetricSummary, type TurnOutcome } from './summarize.js';
export { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, bootstrapMeanInterval, wilsonInterval, type Interval } from './confidence-intervals.js';

// The parts, for callers that score one aspect (the stress test, the report's drill-downs).
export { entityF1, scoreUnderstanding } from './understander-metrics.js';
export { scorePlan } from './planner-metrics.js';
export { scoreVerdict } from './evaluator-metrics.js';
export { scoreExplanation } from './explainer-metrics.js';
export { replyFacts, unsupportedFacts, type FactKind, type ReplyFact } from './reply-facts.js';
export { DEFAULT_DEALERSHIP_SEED, DEFAULT_EVAL_CUSTOMER, PlanExecutor, type PlanExecutorOptions, type PlanRun } from './plan-executor.js';
export { planSetting, type PlanSetting } from './plan-setting.js';
export { canonicalJson, executionDifferences } from './execution-comparison.js';
export { readRowPrompt } from './call-prompt.js';
