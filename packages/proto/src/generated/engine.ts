import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AbortRequest as _distillery_engine_v1_AbortRequest, AbortRequest__Output as _distillery_engine_v1_AbortRequest__Output } from './distillery/engine/v1/AbortRequest.js';
import type { AbortResponse as _distillery_engine_v1_AbortResponse, AbortResponse__Output as _distillery_engine_v1_AbortResponse__Output } from './distillery/engine/v1/AbortResponse.js';
import type { ChatMessage as _distillery_engine_v1_ChatMessage, ChatMessage__Output as _distillery_engine_v1_ChatMessage__Output } from './distillery/engine/v1/ChatMessage.js';
import type { ChatMessages as _distillery_engine_v1_ChatMessages, ChatMessages__Output as _distillery_engine_v1_ChatMessages__Output } from './distillery/engine/v1/ChatMessages.js';
import type { EngineClient as _distillery_engine_v1_EngineClient, EngineDefinition as _distillery_engine_v1_EngineDefinition } from './distillery/engine/v1/Engine.js';
import type { GenerateRequest as _distillery_engine_v1_GenerateRequest, GenerateRequest__Output as _distillery_engine_v1_GenerateRequest__Output } from './distillery/engine/v1/GenerateRequest.js';
import type { GenerateResponse as _distillery_engine_v1_GenerateResponse, GenerateResponse__Output as _distillery_engine_v1_GenerateResponse__Output } from './distillery/engine/v1/GenerateResponse.js';
import type { HealthRequest as _distillery_engine_v1_HealthRequest, HealthRequest__Output as _distillery_engine_v1_HealthRequest__Output } from './distillery/engine/v1/HealthRequest.js';
import type { HealthResponse as _distillery_engine_v1_HealthResponse, HealthResponse__Output as _distillery_engine_v1_HealthResponse__Output } from './distillery/engine/v1/HealthResponse.js';
import type { TokenIds as _distillery_engine_v1_TokenIds, TokenIds__Output as _distillery_engine_v1_TokenIds__Output } from './distillery/engine/v1/TokenIds.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  distillery: {
    engine: {
      v1: {
        AbortRequest: MessageTypeDefinition<_distillery_engine_v1_AbortRequest, _distillery_engine_v1_AbortRequest__Output>
        AbortResponse: MessageTypeDefinition<_distillery_engine_v1_AbortResponse, _distillery_engine_v1_AbortResponse__Output>
        ChatMessage: MessageTypeDefinition<_distillery_engine_v1_ChatMessage, _distillery_engine_v1_ChatMessage__Output>
        ChatMessages: MessageTypeDefinition<_distillery_engine_v1_ChatMessages, _distillery_engine_v1_ChatMessages__Output>
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
        Engine: SubtypeConstructor<typeof grpc.Client, _distillery_engine_v1_EngineClient> & { service: _distillery_engine_v1_EngineDefinition }
        GenerateRequest: MessageTypeDefinition<_distillery_engine_v1_GenerateRequest, _distillery_engine_v1_GenerateRequest__Output>
        GenerateResponse: MessageTypeDefinition<_distillery_engine_v1_GenerateResponse, _distillery_engine_v1_GenerateResponse__Output>
        HealthRequest: MessageTypeDefinition<_distillery_engine_v1_HealthRequest, _distillery_engine_v1_HealthRequest__Output>
        HealthResponse: MessageTypeDefinition<_distillery_engine_v1_HealthResponse, _distillery_engine_v1_HealthResponse__Output>
        TokenIds: MessageTypeDefinition<_distillery_engine_v1_TokenIds, _distillery_engine_v1_TokenIds__Output>
      }
    }
  }
}

