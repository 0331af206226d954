/** A figure with `digits` decimals, or `–` when the run has none. */
export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Bytes in MB (10⁶), or `–`. */
export function megabytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** A clip rate (a fraction) in the paper's unit, ×10⁻⁵ %: the fraction × 10⁷. */
export function inPaperClipUnit(rate: number): number {
  return rate * 1e7;
}

/** `0.500 [0.300, 0.700]` when the interval is known, else `0.500`. */
export function withInterval(mean: number, low: number | undefined, high: number | undefined, digits = 3): string {
  return low === undefined || high === undefined ? mean.toFixed(digits) : `${mean.toFixed(digits)} [${low.toFixed(digits)}, ${high.toFixed(digits)}]`;
}
