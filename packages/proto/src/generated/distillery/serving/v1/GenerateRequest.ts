// Original file: proto/distillery/serving/v1/serving.proto

import type { ChatMessage as _distillery_serving_v1_ChatMessage, ChatMessage__Output as _distillery_serving_v1_ChatMessage__Output } from '../../../distillery/serving/v1/ChatMessage.js';
import type { Long } from '@grpc/proto-loader';

export interface GenerateRequest {
  /**
   * a model id ("student-dealership") or one version of it ("student-dealership@ckpt_0007")
   */
  'model'?: (string);
  /**
   * the prompt as chat messages, rendered with the model's chat template; or
   */
  'messages'?: (_distillery_serving_v1_ChatMessage)[];
  /**
   * 0: the service's default; at most the model's context
   */
  'maxTokens'?: (number);
  /**
   * 0: greedy; at most 2
   */
  'temperature'?: (number | string);
  /**
   * above 0, at most 1; unset: 1
   */
  'topP'?: (number | string);
  /**
   * at most 4
   */
  'stop'?: (string)[];
  'seed'?: (number | string | Long);
  /**
   * use the drafter when the model has one
   */
  'speculative'?: (boolean);
  /**
   * the prompt as plain text (exactly one of messages and prompt)
   */
  'prompt'?: (string);
  '_topP'?: "topP";
  '_seed'?: "seed";
}

export interface GenerateRequest__Output {
  /**
   * a model id ("student-dealership") or one version of it ("student-dealership@ckpt_0007")
   */
  'model': (string);
  /**
   * the prompt as chat messages, rendered with the model's chat template; or
   */
  'messages': (_distillery_serving_v1_ChatMessage__Output)[];
  /**
   * 0: the service's default; at most the model's context
   */
  'maxTokens': (number);
  /**
   * 0: greedy; at most 2
   */
  'temperature': (number);
  /**
   * above 0, at most 1; unset: 1
   */
  'topP'?: (number);
  /**
   * at most 4
   */
  'stop': (string)[];
  'seed'?: (string);
  /**
   * use the drafter when the model has one
   */
  'speculative': (boolean);
  /**
   * the prompt as plain text (exactly one of messages and prompt)
   */
  'prompt': (string);
  '_topP'?: "topP";
  '_seed'?: "seed";
}
