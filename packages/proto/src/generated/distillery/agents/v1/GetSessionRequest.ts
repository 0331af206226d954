// Original file: proto/distillery/agents/v1/agents.proto


export interface GetSessionRequest {
  'sessionId'?: (string);
}

export interface GetSessionRequest__Output {
  'sessionId': (string);
}
