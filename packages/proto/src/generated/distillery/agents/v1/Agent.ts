// Original file: proto/distillery/agents/v1/agents.proto

export const Agent = {
  AGENT_UNSPECIFIED: 'AGENT_UNSPECIFIED',
  UNDERSTANDER: 'UNDERSTANDER',
  PLANNER: 'PLANNER',
  EVALUATOR: 'EVALUATOR',
  EXECUTOR: 'EXECUTOR',
  EXPLAINER: 'EXPLAINER',
} as const;

export type Agent =
  | 'AGENT_UNSPECIFIED'
  | 0
  | 'UNDERSTANDER'
  | 1
  | 'PLANNER'
  | 2
  | 'EVALUATOR'
  | 3
  | 'EXECUTOR'
  | 4
  | 'EXPLAINER'
  | 5

export type Agent__Output = typeof Agent[keyof typeof Agent]
