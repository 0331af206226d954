/** A finished stage of a training job, as the compute plane reported it (`stage_done`). */
export interface StageResult {
  readonly stage: string;
  /** Every figure, numeric or not (the merge method, the new block indices …). */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Found finished in the run dir (a resumed job) rather than run now. */
  readonly skipped: boolean;
}

/** The numeric, finite figures of a stage: what messages and manifests carry. */
export function numericMetrics(metrics: Readonly<Record<string, unknown>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}
