// Original file: proto/distillery/engine/v1/engine.proto


export interface AbortResponse {
  /**
   * false: no request with that id is being served (already finished, or never sent)
   */
  'found'?: (boolean);
}

export interface AbortResponse__Output {
  /**
   * false: no request with that id is being served (already finished, or never sent)
   */
  'found': (boolean);
}
