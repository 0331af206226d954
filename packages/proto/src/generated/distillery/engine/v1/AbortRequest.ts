// Original file: proto/distillery/engine/v1/engine.proto


export interface AbortRequest {
  'requestId'?: (string);
}

export interface AbortRequest__Output {
  'requestId': (string);
}
