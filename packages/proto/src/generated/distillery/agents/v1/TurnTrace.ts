// Original file: proto/distillery/agents/v1/agents.proto

import type { AgentCall as _distillery_agents_v1_AgentCall, AgentCall__Output as _distillery_agents_v1_AgentCall__Output } from '../../../distillery/agents/v1/AgentCall.js';
import type { ToolCall as _distillery_agents_v1_ToolCall, ToolCall__Output as _distillery_agents_v1_ToolCall__Output } from '../../../distillery/agents/v1/ToolCall.js';

export interface TurnTrace {
  'sessionId'?: (string);
  'turnId'?: (string);
  'userMessage'?: (string);
  'reply'?: (string);
  'calls'?: (_distillery_agents_v1_AgentCall)[];
  'toolCalls'?: (_distillery_agents_v1_ToolCall)[];
  'planCode'?: (string);
  'halsteadVolume'?: (number | string);
  'halsteadDifficulty'?: (number | string);
  'halsteadEffort'?: (number | string);
  /**
   * the Evaluator asked the LLM (plan above the complexity threshold)
   */
  'llmEvaluatorRan'?: (boolean);
  'replans'?: (number);
}

export interface TurnTrace__Output {
  'sessionId': (string);
  'turnId': (string);
  'userMessage': (string);
  'reply': (string);
  'calls': (_distillery_agents_v1_AgentCall__Output)[];
  'toolCalls': (_distillery_agents_v1_ToolCall__Output)[];
  'planCode': (string);
  'halsteadVolume': (number);
  'halsteadDifficulty': (number);
  'halsteadEffort': (number);
  /**
   * the Evaluator asked the LLM (plan above the complexity threshold)
   */
  'llmEvaluatorRan': (boolean);
  'replans': (number);
}
