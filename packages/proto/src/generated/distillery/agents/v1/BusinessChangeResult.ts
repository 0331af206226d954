// Original file: proto/distillery/agents/v1/agents.proto


export interface BusinessChangeResult {
  'rulesVersion'?: (number);
  /**
   * the rules in force after the change
   */
  'rulesJson'?: (string);
  /**
   * and before it
   */
  'previousRulesJson'?: (string);
  /**
   * "available" or "sold" (vehicle changes only)
   */
  'previousVehicleStatus'?: (string);
}

export interface BusinessChangeResult__Output {
  'rulesVersion': (number);
  /**
   * the rules in force after the change
   */
  'rulesJson': (string);
  /**
   * and before it
   */
  'previousRulesJson': (string);
  /**
   * "available" or "sold" (vehicle changes only)
   */
  'previousVehicleStatus': (string);
}
