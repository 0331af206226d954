import type { MetricSummary } from '@distillery/evaluation';

/** One point of a stage's loss curve: an optimizer step's loss (and DPO's reward margin) as the step's progress line gave it. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
  readonly rewardMargin?: number;
}

/** A finished stage of a training job, as the compute plane reported it (`stage_done`). */
export interface StageResult {
  readonly stage: string;
  /** Every figure, numeric or not (the merge method, the new block indices …). */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Found finished in the run dir (a resumed job) rather than run now. */
  readonly skipped: boolean;
  /**
   * The stage's loss curve from its progress lines (at most one a second, the first and last step
   * always), thinned to at most MAX_CURVE_POINTS; absent for a stage that trains nothing. A stage
   * resumed after a give-back starts its curve at the step it resumed from.
   */
  readonly curve?: readonly LossPoint[];
  /**
   * The agent-level metrics of the stage's decoded held-out outputs with their 95% intervals,
   * scored by the trainer after the compute job (their means are also in `metrics` as
   * `agent.<agent>.<metric>`); absent for a stage that decoded nothing.
   */
  readonly agentMetrics?: readonly MetricSummary[];
  /**
   * The same for its decoded held-out-phrasing outputs (the dataset's `evalHeldOut`: templates no
   * training campaign used), a generalisation figure; their means are in `metrics` as
   * `heldout.agent.<agent>.<metric>`. Absent without an eval-heldout part.
   */
  readonly heldOutAgentMetrics?: readonly MetricSummary[];
}

/**
 * Which held-out rows agent-level summaries were scored on, and where each set's figures go: the
 * eval part's (`agent.<agent>.<metric>`, `agentMetrics`), or the held-out-phrasing rows'
 * (`heldout.agent.<agent>.<metric>`, `heldOutAgentMetrics`). The one place that tells them apart.
 */
export const AGENT_METRICS_SETS = {
  eval: { figurePrefix: '', field: 'agentMetrics', rows: 'held-out' },
  heldOut: { figurePrefix: 'heldout.', field: 'heldOutAgentMetrics', rows: 'held-out-phrasing' },
} as const;

export type AgentMetricsSet = keyof typeof AGENT_METRICS_SETS;

/** The most points a stage's curve keeps in the job's row: past it, every other point is dropped. */
export const MAX_CURVE_POINTS = 500;

/** The numeric, finite figures of a stage: what messages and manifests carry. */
export function numericMetrics(metrics: Readonly<Record<string, unknown>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

/**
 * The means of agent-level summaries as stage figures: `agent.<agent>.<metric>` (`agent.turn.whole_turn_success`
 * for whole turns), prefixed `heldout.` for the held-out-phrasing rows'.
 */
export function agentFigures(summaries: readonly MetricSummary[], set: AgentMetricsSet = 'eval'): Record<string, number> {
  const prefix = AGENT_METRICS_SETS[set].figurePrefix;
  return Object.fromEntries(summaries.map((summary) => [`${prefix}agent.${summary.agent}.${summary.metric}`, summary.mean]));
}

/** A stage's result with its agent-level metrics of `set`: the summaries kept (agentMetrics or heldOutAgentMetrics), their means added to its figures (agentFigures). */
export function withAgentMetrics(result: StageResult, summaries: readonly MetricSummary[], set: AgentMetricsSet = 'eval'): StageResult {
  return { ...result, metrics: { ...result.metrics, ...agentFigures(summaries, set) }, [AGENT_METRICS_SETS[set].field]: summaries };
}
