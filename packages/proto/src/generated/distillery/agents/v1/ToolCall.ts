// Original file: proto/distillery/agents/v1/agents.proto


export interface ToolCall {
  'tool'?: (string);
  'argsJson'?: (string);
  'ok'?: (boolean);
  'resultJson'?: (string);
  'error'?: (string);
  'latencyMs'?: (number | string);
}

export interface ToolCall__Output {
  'tool': (string);
  'argsJson': (string);
  'ok': (boolean);
  'resultJson': (string);
  'error': (string);
  'latencyMs': (number);
}
