// Original file: proto/distillery/serving/v1/serving.proto


export interface SpeculativeStats {
  /**
   * tokens the drafter proposed
   */
  'drafted'?: (number);
  /**
   * of those, accepted by the target model
   */
  'accepted'?: (number);
}

export interface SpeculativeStats__Output {
  /**
   * tokens the drafter proposed
   */
  'drafted': (number);
  /**
   * of those, accepted by the target model
   */
  'accepted': (number);
}
