// Original file: proto/distillery/agents/v1/agents.proto


export interface SendMessageRequest {
  /**
   * required, at most 128
   */
  'sessionId'?: (string);
  /**
   * not blank; at most DISTILLERY_AGENTS_MAX_MESSAGE_CHARS (default 4000)
   */
  'text'?: (string);
  /**
   * idempotency: a retried message with the same id is answered once; at most 128
   */
  'clientMessageId'?: (string);
}

export interface SendMessageRequest__Output {
  /**
   * required, at most 128
   */
  'sessionId': (string);
  /**
   * not blank; at most DISTILLERY_AGENTS_MAX_MESSAGE_CHARS (default 4000)
   */
  'text': (string);
  /**
   * idempotency: a retried message with the same id is answered once; at most 128
   */
  'clientMessageId': (string);
}
