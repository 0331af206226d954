// Original file: proto/distillery/agents/v1/agents.proto


export interface GetTurnTraceRequest {
  'sessionId'?: (string);
  'turnId'?: (string);
}

export interface GetTurnTraceRequest__Output {
  'sessionId': (string);
  'turnId': (string);
}
