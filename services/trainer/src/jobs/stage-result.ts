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
}

/** The most points a stage's curve keeps in the job's row: past it, every other point is dropped. */
export const MAX_CURVE_POINTS = 500;

/** The numeric, finite figures of a stage: what messages and manifests carry. */
export function numericMetrics(metrics: Readonly<Record<string, unknown>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}
