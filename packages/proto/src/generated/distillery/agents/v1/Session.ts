// Original file: proto/distillery/agents/v1/agents.proto

import type { Source as _distillery_agents_v1_Source, Source__Output as _distillery_agents_v1_Source__Output } from '../../../distillery/agents/v1/Source.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { TurnSummary as _distillery_agents_v1_TurnSummary, TurnSummary__Output as _distillery_agents_v1_TurnSummary__Output } from '../../../distillery/agents/v1/TurnSummary.js';

export interface Session {
  'sessionId'?: (string);
  'tenant'?: (string);
  'customerRef'?: (string);
  'locale'?: (string);
  'source'?: (_distillery_agents_v1_Source);
  'campaignId'?: (string);
  'ended'?: (boolean);
  'createdAt'?: (_google_protobuf_Timestamp | null);
  'turns'?: (_distillery_agents_v1_TurnSummary)[];
  'metadata'?: ({[key: string]: string});
}

export interface Session__Output {
  'sessionId': (string);
  'tenant': (string);
  'customerRef': (string);
  'locale': (string);
  'source': (_distillery_agents_v1_Source__Output);
  'campaignId': (string);
  'ended': (boolean);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
  'turns': (_distillery_agents_v1_TurnSummary__Output)[];
  'metadata': ({[key: string]: string});
}
