/**
 * Token counts here are estimates: ⌈characters / 4⌉ (`estimateTokens` of @distillery/llm, what the
 * reference backend reports), the same for every part so the statistics compare across builds.
 * The trainer's tokenizer gives the exact counts; these are for bucketing and the manifest.
 */

/** The token-length buckets of the calibration sets and the manifest's histograms (paper Figure 4: 32 … 2,048). */
export const TOKEN_BUCKETS = [32, 64, 128, 256, 512, 1024, 2048] as const;

export interface TokenStats {
  readonly rows: number;
  readonly tokens: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
  /** Rows by the smallest bucket they fit in (`≤32` … `≤2048`, then `>2048`). */
  readonly histogram: Readonly<Record<string, number>>;
}

/** The histogram label of a length: the smallest bucket it fits in. */
export function bucketLabel(tokens: number): string {
  const bucket = TOKEN_BUCKETS.find((limit) => tokens <= limit);
  return bucket === undefined ? `>${TOKEN_BUCKETS.at(-1)}` : `≤${bucket}`;
}

export function tokenStats(lengths: readonly number[]): TokenStats {
  const sorted = [...lengths].sort((a, b) => a - b);
  const total = sorted.reduce((sum, length) => sum + length, 0);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  const histogram: Record<string, number> = {};
  for (const length of sorted) histogram[bucketLabel(length)] = (histogram[bucketLabel(length)] ?? 0) + 1;
  return {
    rows: sorted.length,
    tokens: total,
    min: sorted[0] ?? 0,
    mean: sorted.length ? Math.round((total / sorted.length) * 10) / 10 : 0,
    p50: at(0.5),
    p90: at(0.9),
    max: sorted.at(-1) ?? 0,
    histogram,
  };
}

/** The first `tokens` estimated tokens of `text` (4 characters each), never splitting a surrogate pair. */
export function cutToTokens(text: string, tokens: number): string {
  let end = Math.min(text.length, tokens * 4);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
