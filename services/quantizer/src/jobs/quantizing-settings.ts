import type { QuantizeSet } from '@distillery/compute';
import type { QuantizerConfig } from '../config/quantizer.config.js';

/**
 * How a job quantizes, fixed when it is queued and kept with it: a job resumed after a drain or a
 * restart runs with the settings it started with, and the calibration it reuses is one made with them.
 */
export interface QuantizingSettings {
  readonly set: QuantizeSet;
  readonly length: number;
  readonly samples: number;
  readonly testLimit: number;
  readonly testMaxTokens: number;
  readonly evalLimit: number;
  readonly evalMaxTokens: number;
  readonly quantizeLmHead: boolean;
}

export function quantizingSettingsOf(config: QuantizerConfig): QuantizingSettings {
  return {
    set: config.DISTILLERY_QUANTIZER_SET,
    length: config.DISTILLERY_QUANTIZER_LENGTH,
    samples: config.DISTILLERY_QUANTIZER_SAMPLES,
    testLimit: config.DISTILLERY_QUANTIZER_TEST_LIMIT,
    testMaxTokens: config.DISTILLERY_QUANTIZER_TEST_MAX_TOKENS,
    evalLimit: config.DISTILLERY_QUANTIZER_EVAL_LIMIT,
    evalMaxTokens: config.DISTILLERY_QUANTIZER_EVAL_MAX_TOKENS,
    quantizeLmHead: config.DISTILLERY_QUANTIZER_QUANTIZE_LM_HEAD,
  };
}
