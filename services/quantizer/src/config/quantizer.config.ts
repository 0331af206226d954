import { computeConfigSchema, QUANTIZE_SETS } from '@distillery/compute';
import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** The quantizer's own settings (and the compute plane's DISTILLERY_COMPUTE_PYTHON), validated at boot like the platform's. */
export const quantizerConfigSchema = computeConfigSchema.extend({
  /** Quantizer jobs run at once by this replica: 1, or 0 to record jobs and run none (a job takes the engine's share of the machine). */
  DISTILLERY_QUANTIZER_SLOTS: z.coerce.number({ error: 'expected 0 or 1' }).int('expected 0 or 1').min(0, 'expected 0 or 1').max(1, 'expected 0 or 1').default(1),
  /** The calibration the scales come from (paper Figure 4): `mixed` (the deployed default), `public` or `in-domain`. */
  DISTILLERY_QUANTIZER_SET: env.oneOf(QUANTIZE_SETS, 'mixed'),
  /** Its texts' length in tokens: one of the calibration part's buckets. */
  DISTILLERY_QUANTIZER_LENGTH: env.int(1, 2048),
  /** Calibration texts per set and length. */
  DISTILLERY_QUANTIZER_SAMPLES: env.int(1, 8),
  /** Held-out sequences the clip rates are measured on. */
  DISTILLERY_QUANTIZER_TEST_LIMIT: env.int(1, 16),
  /** Their length in tokens. */
  DISTILLERY_QUANTIZER_TEST_MAX_TOKENS: env.int(1, 2048),
  /** Held-out rows decoded, BF16 against FP8, for exact match and greedy agreement (and the drafters' acceptance). */
  DISTILLERY_QUANTIZER_EVAL_LIMIT: env.int(1, 16),
  /** Tokens decoded per held-out row. */
  DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS: env.int(1, 128),
  /** Quantize lm_head too (default: kept in BF16, as the paper's deployed student). */
  DISTILLERY_QUANTIZER_QUANTIZE_LM_HEAD: env.bool(false),
});

export type QuantizerConfig = z.infer<typeof quantizerConfigSchema>;

/** Throws ConfigError naming each bad variable. */
export function loadQuantizerConfig(environment: Readonly<Record<string, string | undefined>> = process.env): QuantizerConfig {
  return loadConfig(quantizerConfigSchema, environment);
}
