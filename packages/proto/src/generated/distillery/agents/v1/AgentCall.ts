// Original file: proto/distillery/agents/v1/agents.proto

import type { Agent as _distillery_agents_v1_Agent, Agent__Output as _distillery_agents_v1_Agent__Output } from '../../../distillery/agents/v1/Agent.js';

export interface AgentCall {
  'agent'?: (_distillery_agents_v1_Agent);
  'attempt'?: (number);
  /**
   * the full rendered prompt
   */
  'prompt'?: (string);
  'output'?: (string);
  /**
   * "reference", "openai", "serving"
   */
  'backend'?: (string);
  'model'?: (string);
  'latencyMs'?: (number | string);
  'inputTokens'?: (number);
  'outputTokens'?: (number);
}

export interface AgentCall__Output {
  'agent': (_distillery_agents_v1_Agent__Output);
  'attempt': (number);
  /**
   * the full rendered prompt
   */
  'prompt': (string);
  'output': (string);
  /**
   * "reference", "openai", "serving"
   */
  'backend': (string);
  'model': (string);
  'latencyMs': (number);
  'inputTokens': (number);
  'outputTokens': (number);
}
