import type { CallScore } from './call-score.js';
import { bootstrapMeanInterval, wilsonInterval } from './confidence-intervals.js';
import { SCORED_AGENTS } from './eval-row.js';

/** A metric of an agent over the scored calls (or of whole turns, agent `turn`): its mean and 95% confidence interval. */
export interface MetricSummary {
  readonly metric: string;
  readonly agent: string;
  readonly n: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  /** `wilson` for a proportion (a 0/1 metric), `bootstrap` (seeded percentile) for a mean. */
  readonly interval?: 'wilson' | 'bootstrap';
}

/** The metrics that are 0 or 1 per call: their mean is a proportion. The others (entity_f1, complete, rule_violations) are means. */
export const PROPORTION_METRICS: ReadonlySet<string> = new Set(['parsed', 'intent_accuracy', 'plan_valid', 'execution_equivalent', 'decision_accuracy', 'faithful', 'whole_turn_success']);

/** The metrics where more is worse (counts of violations); every other metric is better higher. */
export const LOWER_IS_BETTER_METRICS: ReadonlySet<string> = new Set(['rule_violations']);

/**
 * Each agent's main metrics: a call has full marks when all of its agent's main metrics are 1 (a
 * valid plan also has no rule violations). A turn succeeds when every one of its scored calls has.
 */
export const MAIN_METRICS: Readonly<Record<string, readonly string[]>> = {
  understander: ['intent_accuracy', 'entity_f1'],
  planner: ['plan_valid', 'execution_equivalent'],
  evaluator: ['decision_accuracy'],
  explainer: ['faithful', 'complete'],
};

/** Whether a call has full marks on its agent's main metrics (a metric it lacks counts as failed). */
export function fullMarks(score: CallScore): boolean {
  return (MAIN_METRICS[score.agent] ?? Object.keys(score.metrics)).every((metric) => score.metrics[metric] === 1);
}

export interface TurnOutcome {
  readonly turnId: string;
  readonly success: boolean;
  /** The calls without full marks. */
  readonly failedCalls: readonly string[];
}

/** Every turn of the scores (calls without a turnId are left out), in order of first appearance. */
export function turnOutcomes(scores: readonly CallScore[]): TurnOutcome[] {
  const turns = new Map<string, string[]>();
  for (const score of scores) {
    if (score.turnId === undefined) continue;
    const failed = turns.get(score.turnId) ?? [];
    if (!fullMarks(score)) failed.push(score.id);
    turns.set(score.turnId, failed);
  }
  return [...turns].map(([turnId, failedCalls]) => ({ turnId, success: failedCalls.length === 0, failedCalls }));
}

function summary(agent: string, metric: string, values: readonly number[]): MetricSummary {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (PROPORTION_METRICS.has(metric)) return { metric, agent, n, mean, ...wilsonInterval(values.filter((value) => value === 1).length, n), interval: 'wilson' };
  return { metric, agent, n, mean, ...bootstrapMeanInterval(values), interval: 'bootstrap' };
}

/**
 * Per agent (scored agents first, in pipeline order) per metric: the mean over the calls that have
 * it with its 95% interval; then `whole_turn_success` of agent `turn` over the turns.
 */
export function summarize(scores: readonly CallScore[]): MetricSummary[] {
  const byAgent = new Map<string, Map<string, number[]>>();
  for (const score of scores) {
    const metrics = byAgent.get(score.agent) ?? new Map<string, number[]>();
    for (const [metric, value] of Object.entries(score.metrics)) metrics.set(metric, [...(metrics.get(metric) ?? []), value]);
    byAgent.set(score.agent, metrics);
  }
  const order = (agent: string) => {
    const index = (SCORED_AGENTS as readonly string[]).indexOf(agent);
    return index < 0 ? SCORED_AGENTS.length : index;
  };
  const summaries = [...byAgent]
    .sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([agent, metrics]) => [...metrics].map(([metric, values]) => summary(agent, metric, values)));
  const turns = turnOutcomes(scores);
  if (turns.length) summaries.push(summary('turn', 'whole_turn_success', turns.map((turn) => (turn.success ? 1 : 0))));
  return summaries;
}
