/** Everything a quantize job reported beside its stage and step (no file paths). */
export interface QuantizingResults {
  /** Whether this run's calibration and sweep were made (`computed`) or reused from an earlier job on the same student and data (`reused`); null until it runs. */
  readonly calibration: 'computed' | 'reused' | null;
  /** Each calibration set's clip rate on the held-out sequences, by length (`clip_rates` lines): `{ mixed: { "32": 6.8e-5 } }`. */
  readonly clipRates: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** BF16 against FP8 (the `evaluated` line): greedy agreement, held-out loss, exact match, tokens/s. */
  readonly evaluated: Readonly<Record<string, unknown>> | null;
  /** The drafter's acceptance on the FP8 student before and after its own quantization (`acceptance` lines), by drafter. */
  readonly acceptance: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export const NO_RESULTS: QuantizingResults = { calibration: null, clipRates: {}, evaluated: null, acceptance: {} };
