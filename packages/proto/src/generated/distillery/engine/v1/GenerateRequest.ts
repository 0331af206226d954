// Original file: proto/distillery/engine/v1/engine.proto

import type { ChatMessages as _distillery_engine_v1_ChatMessages, ChatMessages__Output as _distillery_engine_v1_ChatMessages__Output } from '../../../distillery/engine/v1/ChatMessages.js';
import type { TokenIds as _distillery_engine_v1_TokenIds, TokenIds__Output as _distillery_engine_v1_TokenIds__Output } from '../../../distillery/engine/v1/TokenIds.js';
import type { Long } from '@grpc/proto-loader';

export interface GenerateRequest {
  /**
   * the caller's id (Abort names it); unique among the requests being served; at most 256
   */
  'requestId'?: (string);
  /**
   * rendered with the tokenizer's chat template and its generation prompt
   */
  'messages'?: (_distillery_engine_v1_ChatMessages | null);
  /**
   * the agents' role-marker transcript ("<|user|>\n..."), as the trainer trains
   */
  'transcript'?: (string);
  /**
   * plain text (bos prepended when the tokenizer has one)
   */
  'text'?: (string);
  /**
   * already tokenized, used as given
   */
  'tokenIds'?: (_distillery_engine_v1_TokenIds | null);
  /**
   * The prompt and max_tokens share the model's context (HealthResponse.max_model_len): a prompt
   * that leaves no room for one new token is INVALID_ARGUMENT; a completion that fills the
   * context ends with finish_reason "length".
   */
  'maxTokens'?: (number);
  /**
   * 0 (the default): greedy; at most 2
   */
  'temperature'?: (number | string);
  /**
   * nucleus sampling, above 0 and at most 1; unset: 1
   */
  'topP'?: (number | string);
  /**
   * 0 .. 2^63-1: the same draws whatever else is batched; unset: random
   */
  'seed'?: (number | string | Long);
  /**
   * at most 16 strings of 1 to 256 characters; the output ends before the first found
   */
  'stop'?: (string)[];
  /**
   * tokens that end the output besides eos (not included in it)
   */
  'stopTokenIds'?: (number)[];
  /**
   * benchmarks: always max_tokens tokens
   */
  'ignoreEos'?: (boolean);
  /**
   * The prompt, exactly one of:
   */
  'prompt'?: "messages"|"transcript"|"text"|"tokenIds";
  '_topP'?: "topP";
  '_seed'?: "seed";
}

export interface GenerateRequest__Output {
  /**
   * the caller's id (Abort names it); unique among the requests being served; at most 256
   */
  'requestId': (string);
  /**
   * rendered with the tokenizer's chat template and its generation prompt
   */
  'messages'?: (_distillery_engine_v1_ChatMessages__Output | null);
  /**
   * the agents' role-marker transcript ("<|user|>\n..."), as the trainer trains
   */
  'transcript'?: (string);
  /**
   * plain text (bos prepended when the tokenizer has one)
   */
  'text'?: (string);
  /**
   * already tokenized, used as given
   */
  'tokenIds'?: (_distillery_engine_v1_TokenIds__Output | null);
  /**
   * The prompt and max_tokens share the model's context (HealthResponse.max_model_len): a prompt
   * that leaves no room for one new token is INVALID_ARGUMENT; a completion that fills the
   * context ends with finish_reason "length".
   */
  'maxTokens': (number);
  /**
   * 0 (the default): greedy; at most 2
   */
  'temperature': (number);
  /**
   * nucleus sampling, above 0 and at most 1; unset: 1
   */
  'topP'?: (number);
  /**
   * 0 .. 2^63-1: the same draws whatever else is batched; unset: random
   */
  'seed'?: (string);
  /**
   * at most 16 strings of 1 to 256 characters; the output ends before the first found
   */
  'stop': (string)[];
  /**
   * tokens that end the output besides eos (not included in it)
   */
  'stopTokenIds': (number)[];
  /**
   * benchmarks: always max_tokens tokens
   */
  'ignoreEos': (boolean);
  /**
   * The prompt, exactly one of:
   */
  'prompt'?: "messages"|"transcript"|"text"|"tokenIds";
  '_topP'?: "topP";
  '_seed'?: "seed";
}
