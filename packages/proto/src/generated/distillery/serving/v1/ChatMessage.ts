// Original file: proto/distillery/serving/v1/serving.proto


export interface ChatMessage {
  /**
   * "system", "user", "assistant"
   */
  'role'?: (string);
  'content'?: (string);
}

export interface ChatMessage__Output {
  /**
   * "system", "user", "assistant"
   */
  'role': (string);
  'content': (string);
}
