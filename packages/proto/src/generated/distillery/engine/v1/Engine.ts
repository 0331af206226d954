// Original file: proto/distillery/engine/v1/engine.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AbortRequest as _distillery_engine_v1_AbortRequest, AbortRequest__Output as _distillery_engine_v1_AbortRequest__Output } from '../../../distillery/engine/v1/AbortRequest.js';
import type { AbortResponse as _distillery_engine_v1_AbortResponse, AbortResponse__Output as _distillery_engine_v1_AbortResponse__Output } from '../../../distillery/engine/v1/AbortResponse.js';
import type { GenerateRequest as _distillery_engine_v1_GenerateRequest, GenerateRequest__Output as _distillery_engine_v1_GenerateRequest__Output } from '../../../distillery/engine/v1/GenerateRequest.js';
import type { GenerateResponse as _distillery_engine_v1_GenerateResponse, GenerateResponse__Output as _distillery_engine_v1_GenerateResponse__Output } from '../../../distillery/engine/v1/GenerateResponse.js';
import type { HealthRequest as _distillery_engine_v1_HealthRequest, HealthRequest__Output as _distillery_engine_v1_HealthRequest__Output } from '../../../distillery/engine/v1/HealthRequest.js';
import type { HealthResponse as _distillery_engine_v1_HealthResponse, HealthResponse__Output as _distillery_engine_v1_HealthResponse__Output } from '../../../distillery/engine/v1/HealthResponse.js';

/**
 * The inference engine of compute/distillery_compute/engine (paged KV cache, continuous batching,
 * prefix caching) serving one student checkpoint, started as a child process by the serving
 * service: `python -m distillery_compute serve --checkpoint DIR --socket PATH` (or `--port N`,
 * 127.0.0.1 only), which prints a `ready` line with the address once it listens.
 * 
 * Errors are gRPC status codes whose message starts with the field at fault ("max_tokens: must be
 * ..."; an element as "token_ids[3]" or "messages[0].role", without the wrappers' items / ids);
 * the trailing metadata repeats it as `distillery-field`, with `distillery-code`
 * ("invalid_request", "context_length_exceeded", "duplicate_request"). A bad request never
 * disturbs the others being served.
 * INVALID_ARGUMENT  a request the engine refuses (no prompt, an empty or too long one, a token id
 * outside the vocabulary, max_tokens below 1, temperature outside 0..2, ...)
 * ALREADY_EXISTS    a Generate whose request_id is being served already
 * UNAVAILABLE       the server is draining (SIGTERM): it finishes what it has and exits
 * INTERNAL          the engine failed; the server exits
 */
export interface EngineClient extends grpc.Client {
  /**
   * Stops a request by id: its stream ends with finish_reason "abort" (text already sent stays).
   */
  Abort(argument: _distillery_engine_v1_AbortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  Abort(argument: _distillery_engine_v1_AbortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  Abort(argument: _distillery_engine_v1_AbortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  Abort(argument: _distillery_engine_v1_AbortRequest, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Stops a request by id: its stream ends with finish_reason "abort" (text already sent stays).
   */
  abort(argument: _distillery_engine_v1_AbortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  abort(argument: _distillery_engine_v1_AbortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  abort(argument: _distillery_engine_v1_AbortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  abort(argument: _distillery_engine_v1_AbortRequest, callback: grpc.requestCallback<_distillery_engine_v1_AbortResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One completion, streamed as it is decoded: each response is what one or more engine steps
   * added (text and token ids), the last one with finish_reason. Cancelling the call (or the
   * client going away) aborts the request; its KV cache blocks are freed at the next step.
   */
  Generate(argument: _distillery_engine_v1_GenerateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_engine_v1_GenerateResponse__Output>;
  Generate(argument: _distillery_engine_v1_GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_engine_v1_GenerateResponse__Output>;
  /**
   * One completion, streamed as it is decoded: each response is what one or more engine steps
   * added (text and token ids), the last one with finish_reason. Cancelling the call (or the
   * client going away) aborts the request; its KV cache blocks are freed at the next step.
   */
  generate(argument: _distillery_engine_v1_GenerateRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_engine_v1_GenerateResponse__Output>;
  generate(argument: _distillery_engine_v1_GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_engine_v1_GenerateResponse__Output>;
  
  /**
   * Whether the server takes requests, and the engine's load.
   */
  Health(argument: _distillery_engine_v1_HealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _distillery_engine_v1_HealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _distillery_engine_v1_HealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  Health(argument: _distillery_engine_v1_HealthRequest, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Whether the server takes requests, and the engine's load.
   */
  health(argument: _distillery_engine_v1_HealthRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _distillery_engine_v1_HealthRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _distillery_engine_v1_HealthRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  health(argument: _distillery_engine_v1_HealthRequest, callback: grpc.requestCallback<_distillery_engine_v1_HealthResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * The inference engine of compute/distillery_compute/engine (paged KV cache, continuous batching,
 * prefix caching) serving one student checkpoint, started as a child process by the serving
 * service: `python -m distillery_compute serve --checkpoint DIR --socket PATH` (or `--port N`,
 * 127.0.0.1 only), which prints a `ready` line with the address once it listens.
 * 
 * Errors are gRPC status codes whose message starts with the field at fault ("max_tokens: must be
 * ..."; an element as "token_ids[3]" or "messages[0].role", without the wrappers' items / ids);
 * the trailing metadata repeats it as `distillery-field`, with `distillery-code`
 * ("invalid_request", "context_length_exceeded", "duplicate_request"). A bad request never
 * disturbs the others being served.
 * INVALID_ARGUMENT  a request the engine refuses (no prompt, an empty or too long one, a token id
 * outside the vocabulary, max_tokens below 1, temperature outside 0..2, ...)
 * ALREADY_EXISTS    a Generate whose request_id is being served already
 * UNAVAILABLE       the server is draining (SIGTERM): it finishes what it has and exits
 * INTERNAL          the engine failed; the server exits
 */
export interface EngineHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stops a request by id: its stream ends with finish_reason "abort" (text already sent stays).
   */
  Abort: grpc.handleUnaryCall<_distillery_engine_v1_AbortRequest__Output, _distillery_engine_v1_AbortResponse>;
  
  /**
   * One completion, streamed as it is decoded: each response is what one or more engine steps
   * added (text and token ids), the last one with finish_reason. Cancelling the call (or the
   * client going away) aborts the request; its KV cache blocks are freed at the next step.
   */
  Generate: grpc.handleServerStreamingCall<_distillery_engine_v1_GenerateRequest__Output, _distillery_engine_v1_GenerateResponse>;
  
  /**
   * Whether the server takes requests, and the engine's load.
   */
  Health: grpc.handleUnaryCall<_distillery_engine_v1_HealthRequest__Output, _distillery_engine_v1_HealthResponse>;
  
}

export interface EngineDefinition extends grpc.ServiceDefinition {
  Abort: MethodDefinition<_distillery_engine_v1_AbortRequest, _distillery_engine_v1_AbortResponse, _distillery_engine_v1_AbortRequest__Output, _distillery_engine_v1_AbortResponse__Output>
  Generate: MethodDefinition<_distillery_engine_v1_GenerateRequest, _distillery_engine_v1_GenerateResponse, _distillery_engine_v1_GenerateRequest__Output, _distillery_engine_v1_GenerateResponse__Output>
  Health: MethodDefinition<_distillery_engine_v1_HealthRequest, _distillery_engine_v1_HealthResponse, _distillery_engine_v1_HealthRequest__Output, _distillery_engine_v1_HealthResponse__Output>
}
