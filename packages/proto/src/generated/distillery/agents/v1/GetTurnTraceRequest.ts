// Original file: proto/distillery/agents/v1/agents.proto


export interface GetTurnTraceRequest {
  /**
   * required, at most 128
   */
  'sessionId'?: (string);
  /**
   * required, at most 128
   */
  'turnId'?: (string);
}

export interface GetTurnTraceRequest__Output {
  /**
   * required, at most 128
   */
  'sessionId': (string);
  /**
   * required, at most 128
   */
  'turnId': (string);
}
