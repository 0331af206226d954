// Original file: proto/distillery/agents/v1/agents.proto

import type { Source as _distillery_agents_v1_Source, Source__Output as _distillery_agents_v1_Source__Output } from '../../../distillery/agents/v1/Source.js';

export interface CreateSessionRequest {
  /**
   * the app's own customer id (opaque to us); required, at most 128
   */
  'customerRef'?: (string);
  /**
   * BCP 47, e.g. "en-US" (the default); at most 35
   */
  'locale'?: (string);
  'source'?: (_distillery_agents_v1_Source);
  /**
   * set by the simulator; at most 128
   */
  'campaignId'?: (string);
  /**
   * free-form, stored with the session; at most 32 entries, keys at most 64, values at most 512
   */
  'metadata'?: ({[key: string]: string});
}

export interface CreateSessionRequest__Output {
  /**
   * the app's own customer id (opaque to us); required, at most 128
   */
  'customerRef': (string);
  /**
   * BCP 47, e.g. "en-US" (the default); at most 35
   */
  'locale': (string);
  'source': (_distillery_agents_v1_Source__Output);
  /**
   * set by the simulator; at most 128
   */
  'campaignId': (string);
  /**
   * free-form, stored with the session; at most 32 entries, keys at most 64, values at most 512
   */
  'metadata': ({[key: string]: string});
}
