// Original file: proto/distillery/serving/v1/serving.proto

import type { ChatMessage as _distillery_serving_v1_ChatMessage, ChatMessage__Output as _distillery_serving_v1_ChatMessage__Output } from '../../../distillery/serving/v1/ChatMessage.js';
import type { Long } from '@grpc/proto-loader';

export interface GenerateRequest {
  'model'?: (string);
  'messages'?: (_distillery_serving_v1_ChatMessage)[];
  'maxTokens'?: (number);
  'temperature'?: (number | string);
  'topP'?: (number | string);
  'stop'?: (string)[];
  'seed'?: (number | string | Long);
  /**
   * use the drafter when the model has one
   */
  'speculative'?: (boolean);
}

export interface GenerateRequest__Output {
  'model': (string);
  'messages': (_distillery_serving_v1_ChatMessage__Output)[];
  'maxTokens': (number);
  'temperature': (number);
  'topP': (number);
  'stop': (string)[];
  'seed': (string);
  /**
   * use the drafter when the model has one
   */
  'speculative': (boolean);
}
