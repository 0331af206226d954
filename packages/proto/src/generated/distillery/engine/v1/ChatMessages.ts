// Original file: proto/distillery/engine/v1/engine.proto

import type { ChatMessage as _distillery_engine_v1_ChatMessage, ChatMessage__Output as _distillery_engine_v1_ChatMessage__Output } from '../../../distillery/engine/v1/ChatMessage.js';

export interface ChatMessages {
  /**
   * at least one
   */
  'items'?: (_distillery_engine_v1_ChatMessage)[];
}

export interface ChatMessages__Output {
  /**
   * at least one
   */
  'items': (_distillery_engine_v1_ChatMessage__Output)[];
}
