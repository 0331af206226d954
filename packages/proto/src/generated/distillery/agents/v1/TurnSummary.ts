// Original file: proto/distillery/agents/v1/agents.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';

export interface TurnSummary {
  'turnId'?: (string);
  'index'?: (number);
  'userMessage'?: (string);
  'reply'?: (string);
  'createdAt'?: (_google_protobuf_Timestamp | null);
}

export interface TurnSummary__Output {
  'turnId': (string);
  'index': (number);
  'userMessage': (string);
  'reply': (string);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
}
