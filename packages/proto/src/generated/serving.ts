import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArtifactRef as _distillery_common_v1_ArtifactRef, ArtifactRef__Output as _distillery_common_v1_ArtifactRef__Output } from './distillery/common/v1/ArtifactRef.js';
import type { ChatMessage as _distillery_serving_v1_ChatMessage, ChatMessage__Output as _distillery_serving_v1_ChatMessage__Output } from './distillery/serving/v1/ChatMessage.js';
import type { GenerateChunk as _distillery_serving_v1_GenerateChunk, GenerateChunk__Output as _distillery_serving_v1_GenerateChunk__Output } from './distillery/serving/v1/GenerateChunk.js';
import type { GenerateRequest as _distillery_serving_v1_GenerateRequest, GenerateRequest__Output as _distillery_serving_v1_GenerateRequest__Output } from './distillery/serving/v1/GenerateRequest.js';
import type { GenerateResponse as _distillery_serving_v1_GenerateResponse, GenerateResponse__Output as _distillery_serving_v1_GenerateResponse__Output } from './distillery/serving/v1/GenerateResponse.js';
import type { InferenceServiceClient as _distillery_serving_v1_InferenceServiceClient, InferenceServiceDefinition as _distillery_serving_v1_InferenceServiceDefinition } from './distillery/serving/v1/InferenceService.js';
import type { ListModelsRequest as _distillery_serving_v1_ListModelsRequest, ListModelsRequest__Output as _distillery_serving_v1_ListModelsRequest__Output } from './distillery/serving/v1/ListModelsRequest.js';
import type { ListModelsResponse as _distillery_serving_v1_ListModelsResponse, ListModelsResponse__Output as _distillery_serving_v1_ListModelsResponse__Output } from './distillery/serving/v1/ListModelsResponse.js';
import type { ModelInfo as _distillery_serving_v1_ModelInfo, ModelInfo__Output as _distillery_serving_v1_ModelInfo__Output } from './distillery/serving/v1/ModelInfo.js';
import type { SpeculativeStats as _distillery_serving_v1_SpeculativeStats, SpeculativeStats__Output as _distillery_serving_v1_SpeculativeStats__Output } from './distillery/serving/v1/SpeculativeStats.js';
import type { Timing as _distillery_serving_v1_Timing, Timing__Output as _distillery_serving_v1_Timing__Output } from './distillery/serving/v1/Timing.js';
import type { Usage as _distillery_serving_v1_Usage, Usage__Output as _distillery_serving_v1_Usage__Output } from './distillery/serving/v1/Usage.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  distillery: {
    common: {
      v1: {
        ArtifactRef: MessageTypeDefinition<_distillery_common_v1_ArtifactRef, _distillery_common_v1_ArtifactRef__Output>
      }
    }
    serving: {
      v1: {
        ChatMessage: MessageTypeDefinition<_distillery_serving_v1_ChatMessage, _distillery_serving_v1_ChatMessage__Output>
        GenerateChunk: MessageTypeDefinition<_distillery_serving_v1_GenerateChunk, _distillery_serving_v1_GenerateChunk__Output>
        GenerateRequest: MessageTypeDefinition<_distillery_serving_v1_GenerateRequest, _distillery_serving_v1_GenerateRequest__Output>
        GenerateResponse: MessageTypeDefinition<_distillery_serving_v1_GenerateResponse, _distillery_serving_v1_GenerateResponse__Output>
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
        InferenceService: SubtypeConstructor<typeof grpc.Client, _distillery_serving_v1_InferenceServiceClient> & { service: _distillery_serving_v1_InferenceServiceDefinition }
        ListModelsRequest: MessageTypeDefinition<_distillery_serving_v1_ListModelsRequest, _distillery_serving_v1_ListModelsRequest__Output>
        ListModelsResponse: MessageTypeDefinition<_distillery_serving_v1_ListModelsResponse, _distillery_serving_v1_ListModelsResponse__Output>
        ModelInfo: MessageTypeDefinition<_distillery_serving_v1_ModelInfo, _distillery_serving_v1_ModelInfo__Output>
        SpeculativeStats: MessageTypeDefinition<_distillery_serving_v1_SpeculativeStats, _distillery_serving_v1_SpeculativeStats__Output>
        Timing: MessageTypeDefinition<_distillery_serving_v1_Timing, _distillery_serving_v1_Timing__Output>
        Usage: MessageTypeDefinition<_distillery_serving_v1_Usage, _distillery_serving_v1_Usage__Output>
      }
    }
  }
}

