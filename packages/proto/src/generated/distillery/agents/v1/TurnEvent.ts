// Original file: proto/distillery/agents/v1/agents.proto

import type { AgentProgress as _distillery_agents_v1_AgentProgress, AgentProgress__Output as _distillery_agents_v1_AgentProgress__Output } from '../../../distillery/agents/v1/AgentProgress.js';
import type { SendMessageResponse as _distillery_agents_v1_SendMessageResponse, SendMessageResponse__Output as _distillery_agents_v1_SendMessageResponse__Output } from '../../../distillery/agents/v1/SendMessageResponse.js';

export interface TurnEvent {
  'progress'?: (_distillery_agents_v1_AgentProgress | null);
  'reply'?: (_distillery_agents_v1_SendMessageResponse | null);
  'event'?: "progress"|"reply";
}

export interface TurnEvent__Output {
  'progress'?: (_distillery_agents_v1_AgentProgress__Output | null);
  'reply'?: (_distillery_agents_v1_SendMessageResponse__Output | null);
  'event'?: "progress"|"reply";
}
