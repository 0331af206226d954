// Original file: proto/distillery/agents/v1/agents.proto


export interface SendMessageRequest {
  'sessionId'?: (string);
  'text'?: (string);
  /**
   * idempotency: a retried message with the same id is answered once
   */
  'clientMessageId'?: (string);
}

export interface SendMessageRequest__Output {
  'sessionId': (string);
  'text': (string);
  /**
   * idempotency: a retried message with the same id is answered once
   */
  'clientMessageId': (string);
}
