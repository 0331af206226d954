// Original file: proto/distillery/agents/v1/agents.proto

import type { Agent as _distillery_agents_v1_Agent, Agent__Output as _distillery_agents_v1_Agent__Output } from '../../../distillery/agents/v1/Agent.js';

export interface AgentProgress {
  'agent'?: (_distillery_agents_v1_Agent);
  /**
   * "started", "done", "replan", "failed"
   */
  'status'?: (string);
  'detail'?: (string);
}

export interface AgentProgress__Output {
  'agent': (_distillery_agents_v1_Agent__Output);
  /**
   * "started", "done", "replan", "failed"
   */
  'status': (string);
  'detail': (string);
}
