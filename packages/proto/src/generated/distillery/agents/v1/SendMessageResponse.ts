// Original file: proto/distillery/agents/v1/agents.proto


export interface SendMessageResponse {
  'turnId'?: (string);
  'reply'?: (string);
  /**
   * the conversation is over (goal reached, handed off, …)
   */
  'ended'?: (boolean);
  'latencyMs'?: (number | string);
}

export interface SendMessageResponse__Output {
  'turnId': (string);
  'reply': (string);
  /**
   * the conversation is over (goal reached, handed off, …)
   */
  'ended': (boolean);
  'latencyMs': (number);
}
