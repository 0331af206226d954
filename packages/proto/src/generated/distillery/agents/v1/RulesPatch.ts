// Original file: proto/distillery/agents/v1/agents.proto


export interface RulesPatch {
  /**
   * an RFC 7386 JSON merge patch of the dealership rules (null removes a key); at most 16384
   */
  'mergePatchJson'?: (string);
}

export interface RulesPatch__Output {
  /**
   * an RFC 7386 JSON merge patch of the dealership rules (null removes a key); at most 16384
   */
  'mergePatchJson': (string);
}
