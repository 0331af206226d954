// Original file: proto/distillery/agents/v1/agents.proto

import type { VehicleStatusChange as _distillery_agents_v1_VehicleStatusChange, VehicleStatusChange__Output as _distillery_agents_v1_VehicleStatusChange__Output } from '../../../distillery/agents/v1/VehicleStatusChange.js';
import type { RulesPatch as _distillery_agents_v1_RulesPatch, RulesPatch__Output as _distillery_agents_v1_RulesPatch__Output } from '../../../distillery/agents/v1/RulesPatch.js';
import type { ToolAvailability as _distillery_agents_v1_ToolAvailability, ToolAvailability__Output as _distillery_agents_v1_ToolAvailability__Output } from '../../../distillery/agents/v1/ToolAvailability.js';

export interface BusinessChange {
  'vehicleStatus'?: (_distillery_agents_v1_VehicleStatusChange | null);
  'rulesPatch'?: (_distillery_agents_v1_RulesPatch | null);
  'toolAvailability'?: (_distillery_agents_v1_ToolAvailability | null);
  /**
   * logged with the change, e.g. "campaign camp_1 conversation 12"; at most 512
   */
  'reason'?: (string);
  'change'?: "vehicleStatus"|"rulesPatch"|"toolAvailability";
}

export interface BusinessChange__Output {
  'vehicleStatus'?: (_distillery_agents_v1_VehicleStatusChange__Output | null);
  'rulesPatch'?: (_distillery_agents_v1_RulesPatch__Output | null);
  'toolAvailability'?: (_distillery_agents_v1_ToolAvailability__Output | null);
  /**
   * logged with the change, e.g. "campaign camp_1 conversation 12"; at most 512
   */
  'reason': (string);
  'change'?: "vehicleStatus"|"rulesPatch"|"toolAvailability";
}
