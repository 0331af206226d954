// Original file: proto/distillery/serving/v1/serving.proto

import type { ArtifactRef as _distillery_common_v1_ArtifactRef, ArtifactRef__Output as _distillery_common_v1_ArtifactRef__Output } from '../../../distillery/common/v1/ArtifactRef.js';

export interface ModelInfo {
  /**
   * "<model id>@<checkpoint id>"
   */
  'id'?: (string);
  /**
   * "bf16", "fp8-e4m3-w8a8-static-per-tensor"
   */
  'format'?: (string);
  'checkpoint'?: (_distillery_common_v1_ArtifactRef | null);
  'drafter'?: (_distillery_common_v1_ArtifactRef | null);
  /**
   * the model id, when requests for it go to this version now
   */
  'alias'?: (string);
}

export interface ModelInfo__Output {
  /**
   * "<model id>@<checkpoint id>"
   */
  'id': (string);
  /**
   * "bf16", "fp8-e4m3-w8a8-static-per-tensor"
   */
  'format': (string);
  'checkpoint': (_distillery_common_v1_ArtifactRef__Output | null);
  'drafter': (_distillery_common_v1_ArtifactRef__Output | null);
  /**
   * the model id, when requests for it go to this version now
   */
  'alias': (string);
}
