// Original file: proto/distillery/serving/v1/serving.proto


export interface Usage {
  'promptTokens'?: (number);
  'completionTokens'?: (number);
}

export interface Usage__Output {
  'promptTokens': (number);
  'completionTokens': (number);
}
