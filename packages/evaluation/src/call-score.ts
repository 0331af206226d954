/**
 * One call of a candidate scored against the teacher's reference. Each metric is in [0, 1] except
 * `rule_violations`, a count; `problems` says, in words, why a metric fell short.
 */
export interface CallScore {
  readonly id: string;
  readonly agent: string;
  readonly turnId?: string;
  readonly metrics: Record<string, number>;
  readonly problems: string[];
}

/** A metric's value and what went wrong with it. */
export interface MetricScores {
  readonly metrics: Record<string, number>;
  readonly problems: string[];
}
