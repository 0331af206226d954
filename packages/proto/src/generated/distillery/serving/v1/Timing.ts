// Original file: proto/distillery/serving/v1/serving.proto


export interface Timing {
  /**
   * time to first token
   */
  'ttftMs'?: (number | string);
  'totalMs'?: (number | string);
}

export interface Timing__Output {
  /**
   * time to first token
   */
  'ttftMs': (number);
  'totalMs': (number);
}
