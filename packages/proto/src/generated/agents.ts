import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentCall as _distillery_agents_v1_AgentCall, AgentCall__Output as _distillery_agents_v1_AgentCall__Output } from './distillery/agents/v1/AgentCall.js';
import type { AgentProgress as _distillery_agents_v1_AgentProgress, AgentProgress__Output as _distillery_agents_v1_AgentProgress__Output } from './distillery/agents/v1/AgentProgress.js';
import type { AgentServiceClient as _distillery_agents_v1_AgentServiceClient, AgentServiceDefinition as _distillery_agents_v1_AgentServiceDefinition } from './distillery/agents/v1/AgentService.js';
import type { BusinessChange as _distillery_agents_v1_BusinessChange, BusinessChange__Output as _distillery_agents_v1_BusinessChange__Output } from './distillery/agents/v1/BusinessChange.js';
import type { BusinessChangeResult as _distillery_agents_v1_BusinessChangeResult, BusinessChangeResult__Output as _distillery_agents_v1_BusinessChangeResult__Output } from './distillery/agents/v1/BusinessChangeResult.js';
import type { CreateSessionRequest as _distillery_agents_v1_CreateSessionRequest, CreateSessionRequest__Output as _distillery_agents_v1_CreateSessionRequest__Output } from './distillery/agents/v1/CreateSessionRequest.js';
import type { DealershipAdminServiceClient as _distillery_agents_v1_DealershipAdminServiceClient, DealershipAdminServiceDefinition as _distillery_agents_v1_DealershipAdminServiceDefinition } from './distillery/agents/v1/DealershipAdminService.js';
import type { GetSessionRequest as _distillery_agents_v1_GetSessionRequest, GetSessionRequest__Output as _distillery_agents_v1_GetSessionRequest__Output } from './distillery/agents/v1/GetSessionRequest.js';
import type { GetTurnTraceRequest as _distillery_agents_v1_GetTurnTraceRequest, GetTurnTraceRequest__Output as _distillery_agents_v1_GetTurnTraceRequest__Output } from './distillery/agents/v1/GetTurnTraceRequest.js';
import type { RulesPatch as _distillery_agents_v1_RulesPatch, RulesPatch__Output as _distillery_agents_v1_RulesPatch__Output } from './distillery/agents/v1/RulesPatch.js';
import type { SendMessageRequest as _distillery_agents_v1_SendMessageRequest, SendMessageRequest__Output as _distillery_agents_v1_SendMessageRequest__Output } from './distillery/agents/v1/SendMessageRequest.js';
import type { SendMessageResponse as _distillery_agents_v1_SendMessageResponse, SendMessageResponse__Output as _distillery_agents_v1_SendMessageResponse__Output } from './distillery/agents/v1/SendMessageResponse.js';
import type { Session as _distillery_agents_v1_Session, Session__Output as _distillery_agents_v1_Session__Output } from './distillery/agents/v1/Session.js';
import type { ToolAvailability as _distillery_agents_v1_ToolAvailability, ToolAvailability__Output as _distillery_agents_v1_ToolAvailability__Output } from './distillery/agents/v1/ToolAvailability.js';
import type { ToolCall as _distillery_agents_v1_ToolCall, ToolCall__Output as _distillery_agents_v1_ToolCall__Output } from './distillery/agents/v1/ToolCall.js';
import type { TurnEvent as _distillery_agents_v1_TurnEvent, TurnEvent__Output as _distillery_agents_v1_TurnEvent__Output } from './distillery/agents/v1/TurnEvent.js';
import type { TurnSummary as _distillery_agents_v1_TurnSummary, TurnSummary__Output as _distillery_agents_v1_TurnSummary__Output } from './distillery/agents/v1/TurnSummary.js';
import type { TurnTrace as _distillery_agents_v1_TurnTrace, TurnTrace__Output as _distillery_agents_v1_TurnTrace__Output } from './distillery/agents/v1/TurnTrace.js';
import type { VehicleStatusChange as _distillery_agents_v1_VehicleStatusChange, VehicleStatusChange__Output as _distillery_agents_v1_VehicleStatusChange__Output } from './distillery/agents/v1/VehicleStatusChange.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  distillery: {
    agents: {
      v1: {
        Agent: EnumTypeDefinition
        AgentCall: MessageTypeDefinition<_distillery_agents_v1_AgentCall, _distillery_agents_v1_AgentCall__Output>
        AgentProgress: MessageTypeDefinition<_distillery_agents_v1_AgentProgress, _distillery_agents_v1_AgentProgress__Output>
        /**
         * The multi-agent customer chat for automotive retail (Understander → Planner → Evaluator →
         * Executor → Explainer, with replans). The API key in the `x-api-key` metadata picks the tenant;
         * a session and its traces belong to that tenant only.
         * 
         * Every string field is text: one holding NUL or another control character (tab, LF and CR
         * excepted), DEL, or a lone UTF-16 surrogate is INVALID_ARGUMENT naming the field, as is one over
         * its limit (given beside each field, in characters) and a request that does not decode. Errors
         * never repeat a field over its limit, and quote at most 64 characters of an unknown id.
         */
        AgentService: SubtypeConstructor<typeof grpc.Client, _distillery_agents_v1_AgentServiceClient> & { service: _distillery_agents_v1_AgentServiceDefinition }
        BusinessChange: MessageTypeDefinition<_distillery_agents_v1_BusinessChange, _distillery_agents_v1_BusinessChange__Output>
        BusinessChangeResult: MessageTypeDefinition<_distillery_agents_v1_BusinessChangeResult, _distillery_agents_v1_BusinessChangeResult__Output>
        CreateSessionRequest: MessageTypeDefinition<_distillery_agents_v1_CreateSessionRequest, _distillery_agents_v1_CreateSessionRequest__Output>
        /**
         * The business changing under the agents while they serve: a vehicle sold, a rule changed, a tool
         * appearing or going away. Simulator campaigns switch these mid-conversation; each applies from
         * the next turn on. Only tenants listed in DISTILLERY_AGENTS_ADMIN_TENANTS may call it
         * (PERMISSION_DENIED otherwise). Its text fields follow AgentService's rules, the JSON strings
         * inside merge_patch_json too.
         */
        DealershipAdminService: SubtypeConstructor<typeof grpc.Client, _distillery_agents_v1_DealershipAdminServiceClient> & { service: _distillery_agents_v1_DealershipAdminServiceDefinition }
        GetSessionRequest: MessageTypeDefinition<_distillery_agents_v1_GetSessionRequest, _distillery_agents_v1_GetSessionRequest__Output>
        GetTurnTraceRequest: MessageTypeDefinition<_distillery_agents_v1_GetTurnTraceRequest, _distillery_agents_v1_GetTurnTraceRequest__Output>
        RulesPatch: MessageTypeDefinition<_distillery_agents_v1_RulesPatch, _distillery_agents_v1_RulesPatch__Output>
        SendMessageRequest: MessageTypeDefinition<_distillery_agents_v1_SendMessageRequest, _distillery_agents_v1_SendMessageRequest__Output>
        SendMessageResponse: MessageTypeDefinition<_distillery_agents_v1_SendMessageResponse, _distillery_agents_v1_SendMessageResponse__Output>
        Session: MessageTypeDefinition<_distillery_agents_v1_Session, _distillery_agents_v1_Session__Output>
        Source: EnumTypeDefinition
        ToolAvailability: MessageTypeDefinition<_distillery_agents_v1_ToolAvailability, _distillery_agents_v1_ToolAvailability__Output>
        ToolCall: MessageTypeDefinition<_distillery_agents_v1_ToolCall, _distillery_agents_v1_ToolCall__Output>
        TurnEvent: MessageTypeDefinition<_distillery_agents_v1_TurnEvent, _distillery_agents_v1_TurnEvent__Output>
        TurnSummary: MessageTypeDefinition<_distillery_agents_v1_TurnSummary, _distillery_agents_v1_TurnSummary__Output>
        TurnTrace: MessageTypeDefinition<_distillery_agents_v1_TurnTrace, _distillery_agents_v1_TurnTrace__Output>
        VehicleStatusChange: MessageTypeDefinition<_distillery_agents_v1_VehicleStatusChange, _distillery_agents_v1_VehicleStatusChange__Output>
      }
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

