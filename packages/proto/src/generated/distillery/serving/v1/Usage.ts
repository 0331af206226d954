// Original file: proto/distillery/serving/v1/serving.proto


export interface Usage {
  'promptTokens'?: (number);
  'completionTokens'?: (number);
  /**
   * prompt tokens the prefix cache supplied
   */
  'cachedTokens'?: (number);
}

export interface Usage__Output {
  'promptTokens': (number);
  'completionTokens': (number);
  /**
   * prompt tokens the prefix cache supplied
   */
  'cachedTokens': (number);
}
