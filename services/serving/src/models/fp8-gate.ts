/** What serving reads of the quantizer's manifest.json (compute/distillery_compute/fp8/job.py); every field is checked before use. */
export interface QuantizerManifest {
  /** The BF16 student it was quantized from. */
  readonly target?: { readonly weights_sha256?: unknown };
  /** The FP8 student. */
  readonly student?: { readonly weights_sha256?: unknown };
  /** The FP8 drafter (null: none quantized). */
  readonly drafter?: { readonly weights_sha256?: unknown } | null;
  readonly calibration?: { readonly set?: unknown; readonly length?: unknown; readonly samples?: unknown };
  readonly clip_rates?: { readonly total?: unknown };
  /** Clip rates of every calibration set and length on held-out sequences: set → length → rates. */
  readonly sweep?: { readonly sets?: Readonly<Record<string, Readonly<Record<string, { readonly clip_rate?: unknown }>>>> };
  readonly metrics?: {
    readonly bf16?: { readonly exact_match?: unknown };
    readonly fp8?: { readonly exact_match?: unknown };
    readonly greedy_agreement?: unknown;
    readonly decode?: { readonly bf16?: { readonly tokens_per_s?: unknown }; readonly fp8?: { readonly tokens_per_s?: unknown } };
  };
  /** Each drafter's acceptance on the FP8 student (null: no drafter). */
  readonly acceptance?: Readonly<Record<string, { readonly mean_accepted_length?: unknown; readonly tokens_per_s?: unknown; readonly spec?: { readonly method?: unknown } }>> | null;
  readonly memory?: { readonly bf16_bytes?: unknown; readonly fp8_bytes?: unknown; readonly drafter_bf16_bytes?: unknown; readonly drafter_fp8_bytes?: unknown; readonly saved_bytes?: unknown };
}

/** The quantizer's figures of an FP8 version, as GET /serving/models and the gate read them (null: the manifest has none). */
export interface Fp8Figures {
  readonly bf16ExactMatch: number | null;
  readonly fp8ExactMatch: number | null;
  /** Held-out prompts whose greedy FP8 answer equals the BF16 one. */
  readonly greedyAgreement: number | null;
  /** The deployed calibration's clip rate on held-out sequences. */
  readonly clipRate: number | null;
  /** Bytes on disk BF16 less FP8, student and drafter. */
  readonly savedBytes: number | null;
  /** Mean accepted length on the FP8 student of the BF16 drafter and of the FP8 drafter. */
  readonly bf16DrafterAcceptance: number | null;
  readonly fp8DrafterAcceptance: number | null;
  /** The FP8 drafter's tokens/s over plain FP8 decoding (one request at a time), and the method it drafted with. */
  readonly fp8DrafterSpeedup: number | null;
  readonly fp8DrafterMethod: string | null;
}

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function fp8Figures(manifest: QuantizerManifest): Fp8Figures {
  const { metrics, acceptance } = manifest;
  const drafterRate = finite(acceptance?.fp8_drafter?.tokens_per_s);
  const plainRate = finite(metrics?.decode?.fp8?.tokens_per_s);
  const method = acceptance?.fp8_drafter?.spec?.method;
  return {
    bf16ExactMatch: finite(metrics?.bf16?.exact_match),
    fp8ExactMatch: finite(metrics?.fp8?.exact_match),
    greedyAgreement: finite(metrics?.greedy_agreement),
    clipRate: finite(manifest.clip_rates?.total),
    savedBytes: finite(manifest.memory?.saved_bytes),
    bf16DrafterAcceptance: finite(acceptance?.bf16_drafter?.mean_accepted_length),
    fp8DrafterAcceptance: finite(acceptance?.fp8_drafter?.mean_accepted_length),
    fp8DrafterSpeedup: drafterRate !== null && plainRate ? drafterRate / plainRate : null,
    fp8DrafterMethod: typeof method === 'string' ? method : null,
  };
}

/**
 * Why an FP8 version must not be served, or null: its held-out exact match is below its BF16
 * student's less `tolerance` (DISTILLERY_SERVING_FP8_TOLERANCE), or its manifest gives no exact
 * match to compare.
 */
export function fp8QualityRefusal(figures: Fp8Figures, tolerance: number): string | null {
  const { bf16ExactMatch: bf16, fp8ExactMatch: fp8 } = figures;
  if (bf16 === null || fp8 === null) return `its manifest gives no metrics.${bf16 === null ? 'bf16' : 'fp8'}.exact_match: FP8 cannot be compared with BF16`;
  // a float difference in the last bit (0.2 - 0.05 is 0.15000000000000002) must not refuse a figure exactly at the bound
  if (fp8 < bf16 - tolerance - 1e-9) {
    return `exact match ${fp8.toFixed(3)} in FP8 against ${bf16.toFixed(3)} in BF16, below the BF16 figure less DISTILLERY_SERVING_FP8_TOLERANCE ${tolerance}`;
  }
  return null;
}

/**
 * Why an FP8 drafter must not be served, or null: the quantizer measured it slower than
 * `minSpeedup` times plain FP8 decoding drafting as `method` (DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP,
 * as for a BF16 drafter). A measurement of another method, or none, does not refuse it.
 */
export function fp8DrafterRefusal(figures: Fp8Figures, method: string, minSpeedup: number): string | null {
  const speedup = figures.fp8DrafterSpeedup;
  if (speedup === null || figures.fp8DrafterMethod !== method || speedup >= minSpeedup) return null;
  return `the quantizer measured the FP8 drafter at ${speedup.toFixed(2)}x plain FP8 decoding as a ${method}, below DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP ${minSpeedup}: it would slow the version down`;
}
