// Original file: proto/distillery/serving/v1/serving.proto

import type { ModelInfo as _distillery_serving_v1_ModelInfo, ModelInfo__Output as _distillery_serving_v1_ModelInfo__Output } from '../../../distillery/serving/v1/ModelInfo.js';

export interface ListModelsResponse {
  'models'?: (_distillery_serving_v1_ModelInfo)[];
}

export interface ListModelsResponse__Output {
  'models': (_distillery_serving_v1_ModelInfo__Output)[];
}
