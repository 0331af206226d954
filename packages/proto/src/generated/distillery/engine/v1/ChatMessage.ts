// Original file: proto/distillery/engine/v1/engine.proto


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
