// Original file: proto/distillery/serving/v1/serving.proto

import type { Usage as _distillery_serving_v1_Usage, Usage__Output as _distillery_serving_v1_Usage__Output } from '../../../distillery/serving/v1/Usage.js';
import type { Timing as _distillery_serving_v1_Timing, Timing__Output as _distillery_serving_v1_Timing__Output } from '../../../distillery/serving/v1/Timing.js';
import type { SpeculativeStats as _distillery_serving_v1_SpeculativeStats, SpeculativeStats__Output as _distillery_serving_v1_SpeculativeStats__Output } from '../../../distillery/serving/v1/SpeculativeStats.js';

export interface GenerateChunk {
  'text'?: (string);
  /**
   * set on the last chunk
   */
  'finishReason'?: (string);
  /**
   * set on the last chunk
   */
  'usage'?: (_distillery_serving_v1_Usage | null);
  /**
   * set on the last chunk
   */
  'timing'?: (_distillery_serving_v1_Timing | null);
  'speculative'?: (_distillery_serving_v1_SpeculativeStats | null);
  /**
   * the version that answers: "<model id>@<checkpoint id>" (every chunk)
   */
  'model'?: (string);
}

export interface GenerateChunk__Output {
  'text': (string);
  /**
   * set on the last chunk
   */
  'finishReason': (string);
  /**
   * set on the last chunk
   */
  'usage': (_distillery_serving_v1_Usage__Output | null);
  /**
   * set on the last chunk
   */
  'timing': (_distillery_serving_v1_Timing__Output | null);
  'speculative': (_distillery_serving_v1_SpeculativeStats__Output | null);
  /**
   * the version that answers: "<model id>@<checkpoint id>" (every chunk)
   */
  'model': (string);
}
