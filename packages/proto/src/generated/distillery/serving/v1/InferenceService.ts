// Original file: proto/distillery/serving/v1/serving.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GenerateChunk as _distillery_serving_v1_GenerateChunk, GenerateChunk__Output as _distillery_serving_v1_GenerateChunk__Output } from '../../../distillery/serving/v1/GenerateChunk.js';
import type { GenerateRequest as _distillery_serving_v1_GenerateRequest, GenerateRequest__Output as _distillery_serving_v1_GenerateRequest__Output } from '../../../distillery/serving/v1/GenerateRequest.js';
import type { GenerateResponse as _distillery_serving_v1_GenerateResponse, GenerateResponse__Output as _distillery_serving_v1_GenerateResponse__Output } from '../../../distillery/serving/v1/GenerateResponse.js';
import type { ListModelsRequest as _distillery_serving_v1_ListModelsRequest, ListModelsRequest__Output as _distillery_serving_v1_ListModelsRequest__Output } from '../../../distillery/serving/v1/ListModelsRequest.js';
import type { ListModelsResponse as _distillery_serving_v1_ListModelsResponse, ListModelsResponse__Output as _distillery_serving_v1_ListModelsResponse__Output } from '../../../distillery/serving/v1/ListModelsResponse.js';

/**
 * The serving service: the distilled student behind an API (the engine's paged KV cache, continuous
 * batching and prefix cache; speculative decoding and FP8 once the drafter and quantizer publish).
 * Calls carry an API key as `authorization: Bearer <key>` (or `x-api-key`) metadata.
 * 
 * Errors: INVALID_ARGUMENT with the field at fault first in the message ("max_tokens: ..."),
 * NOT_FOUND for a model that is not served, UNAUTHENTICATED for a missing or unknown key,
 * RESOURCE_EXHAUSTED when the queue is full (trailing metadata `retry-after` in seconds),
 * DEADLINE_EXCEEDED past the call's deadline (the engine stops decoding it), UNAVAILABLE when the
 * engine serving the model failed mid-request (the service restarts it) or the service drains.
 */
export interface InferenceServiceClient extends grpc.Client {
  /**
   * One completion.
   */
  Generate(argument: _distillery_serving_v1_GenerateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  Generate(argument: _distillery_serving_v1_GenerateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  Generate(argument: _distillery_serving_v1_GenerateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  Generate(argument: _distillery_serving_v1_GenerateRequest, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One completion.
   */
  generate(argument: _distillery_serving_v1_GenerateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  generate(argument: _distillery_serving_v1_GenerateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  generate(argument: _distillery_serving_v1_GenerateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  generate(argument: _distillery_serving_v1_GenerateRequest, callback: grpc.requestCallback<_distillery_serving_v1_GenerateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The same completion, token chunks as they are decoded.
   */
  GenerateStream(argument: _distillery_serving_v1_GenerateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_serving_v1_GenerateChunk__Output>;
  GenerateStream(argument: _distillery_serving_v1_GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_serving_v1_GenerateChunk__Output>;
  /**
   * The same completion, token chunks as they are decoded.
   */
  generateStream(argument: _distillery_serving_v1_GenerateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_serving_v1_GenerateChunk__Output>;
  generateStream(argument: _distillery_serving_v1_GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_serving_v1_GenerateChunk__Output>;
  
  /**
   * The models loaded now, with the checkpoints they come from.
   */
  ListModels(argument: _distillery_serving_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _distillery_serving_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _distillery_serving_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _distillery_serving_v1_ListModelsRequest, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The models loaded now, with the checkpoints they come from.
   */
  listModels(argument: _distillery_serving_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _distillery_serving_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _distillery_serving_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  listModels(argument: _distillery_serving_v1_ListModelsRequest, callback: grpc.requestCallback<_distillery_serving_v1_ListModelsResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * The serving service: the distilled student behind an API (the engine's paged KV cache, continuous
 * batching and prefix cache; speculative decoding and FP8 once the drafter and quantizer publish).
 * Calls carry an API key as `authorization: Bearer <key>` (or `x-api-key`) metadata.
 * 
 * Errors: INVALID_ARGUMENT with the field at fault first in the message ("max_tokens: ..."),
 * NOT_FOUND for a model that is not served, UNAUTHENTICATED for a missing or unknown key,
 * RESOURCE_EXHAUSTED when the queue is full (trailing metadata `retry-after` in seconds),
 * DEADLINE_EXCEEDED past the call's deadline (the engine stops decoding it), UNAVAILABLE when the
 * engine serving the model failed mid-request (the service restarts it) or the service drains.
 */
export interface InferenceServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One completion.
   */
  Generate: grpc.handleUnaryCall<_distillery_serving_v1_GenerateRequest__Output, _distillery_serving_v1_GenerateResponse>;
  
  /**
   * The same completion, token chunks as they are decoded.
   */
  GenerateStream: grpc.handleServerStreamingCall<_distillery_serving_v1_GenerateRequest__Output, _distillery_serving_v1_GenerateChunk>;
  
  /**
   * The models loaded now, with the checkpoints they come from.
   */
  ListModels: grpc.handleUnaryCall<_distillery_serving_v1_ListModelsRequest__Output, _distillery_serving_v1_ListModelsResponse>;
  
}

export interface InferenceServiceDefinition extends grpc.ServiceDefinition {
  Generate: MethodDefinition<_distillery_serving_v1_GenerateRequest, _distillery_serving_v1_GenerateResponse, _distillery_serving_v1_GenerateRequest__Output, _distillery_serving_v1_GenerateResponse__Output>
  GenerateStream: MethodDefinition<_distillery_serving_v1_GenerateRequest, _distillery_serving_v1_GenerateChunk, _distillery_serving_v1_GenerateRequest__Output, _distillery_serving_v1_GenerateChunk__Output>
  ListModels: MethodDefinition<_distillery_serving_v1_ListModelsRequest, _distillery_serving_v1_ListModelsResponse, _distillery_serving_v1_ListModelsRequest__Output, _distillery_serving_v1_ListModelsResponse__Output>
}
