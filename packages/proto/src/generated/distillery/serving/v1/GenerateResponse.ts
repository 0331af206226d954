// Original file: proto/distillery/serving/v1/serving.proto

import type { Usage as _distillery_serving_v1_Usage, Usage__Output as _distillery_serving_v1_Usage__Output } from '../../../distillery/serving/v1/Usage.js';
import type { Timing as _distillery_serving_v1_Timing, Timing__Output as _distillery_serving_v1_Timing__Output } from '../../../distillery/serving/v1/Timing.js';
import type { SpeculativeStats as _distillery_serving_v1_SpeculativeStats, SpeculativeStats__Output as _distillery_serving_v1_SpeculativeStats__Output } from '../../../distillery/serving/v1/SpeculativeStats.js';

export interface GenerateResponse {
  'text'?: (string);
  /**
   * "stop", "length"
   */
  'finishReason'?: (string);
  'usage'?: (_distillery_serving_v1_Usage | null);
  'timing'?: (_distillery_serving_v1_Timing | null);
  'speculative'?: (_distillery_serving_v1_SpeculativeStats | null);
  /**
   * the version that answered: "<model id>@<checkpoint id>"
   */
  'model'?: (string);
}

export interface GenerateResponse__Output {
  'text': (string);
  /**
   * "stop", "length"
   */
  'finishReason': (string);
  'usage': (_distillery_serving_v1_Usage__Output | null);
  'timing': (_distillery_serving_v1_Timing__Output | null);
  'speculative': (_distillery_serving_v1_SpeculativeStats__Output | null);
  /**
   * the version that answered: "<model id>@<checkpoint id>"
   */
  'model': (string);
}
