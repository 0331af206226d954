// Original file: proto/distillery/agents/v1/agents.proto


export interface ToolAvailability {
  /**
   * e.g. "appraiseTradeIn"; handOffToHuman cannot be switched off; required, at most 128
   */
  'tool'?: (string);
  'available'?: (boolean);
}

export interface ToolAvailability__Output {
  /**
   * e.g. "appraiseTradeIn"; handOffToHuman cannot be switched off; required, at most 128
   */
  'tool': (string);
  'available': (boolean);
}
