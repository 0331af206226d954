// Original file: proto/distillery/agents/v1/agents.proto


export interface GetSessionRequest {
  /**
   * required, at most 128
   */
  'sessionId'?: (string);
}

export interface GetSessionRequest__Output {
  /**
   * required, at most 128
   */
  'sessionId': (string);
}
