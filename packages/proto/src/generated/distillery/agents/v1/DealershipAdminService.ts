// Original file: proto/distillery/agents/v1/agents.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BusinessChange as _distillery_agents_v1_BusinessChange, BusinessChange__Output as _distillery_agents_v1_BusinessChange__Output } from '../../../distillery/agents/v1/BusinessChange.js';
import type { BusinessChangeResult as _distillery_agents_v1_BusinessChangeResult, BusinessChangeResult__Output as _distillery_agents_v1_BusinessChangeResult__Output } from '../../../distillery/agents/v1/BusinessChangeResult.js';

/**
 * The business changing under the agents while they serve: a vehicle sold, a rule changed, a tool
 * appearing or going away. Simulator campaigns switch these mid-conversation; each applies from
 * the next turn on. Only tenants listed in DISTILLERY_AGENTS_ADMIN_TENANTS may call it
 * (PERMISSION_DENIED otherwise). Its text fields follow AgentService's rules, the JSON strings
 * inside merge_patch_json too.
 */
export interface DealershipAdminServiceClient extends grpc.Client {
  ApplyBusinessChange(argument: _distillery_agents_v1_BusinessChange, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  ApplyBusinessChange(argument: _distillery_agents_v1_BusinessChange, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  ApplyBusinessChange(argument: _distillery_agents_v1_BusinessChange, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  ApplyBusinessChange(argument: _distillery_agents_v1_BusinessChange, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  applyBusinessChange(argument: _distillery_agents_v1_BusinessChange, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  applyBusinessChange(argument: _distillery_agents_v1_BusinessChange, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  applyBusinessChange(argument: _distillery_agents_v1_BusinessChange, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  applyBusinessChange(argument: _distillery_agents_v1_BusinessChange, callback: grpc.requestCallback<_distillery_agents_v1_BusinessChangeResult__Output>): grpc.ClientUnaryCall;
  
}

/**
 * The business changing under the agents while they serve: a vehicle sold, a rule changed, a tool
 * appearing or going away. Simulator campaigns switch these mid-conversation; each applies from
 * the next turn on. Only tenants listed in DISTILLERY_AGENTS_ADMIN_TENANTS may call it
 * (PERMISSION_DENIED otherwise). Its text fields follow AgentService's rules, the JSON strings
 * inside merge_patch_json too.
 */
export interface DealershipAdminServiceHandlers extends grpc.UntypedServiceImplementation {
  ApplyBusinessChange: grpc.handleUnaryCall<_distillery_agents_v1_BusinessChange__Output, _distillery_agents_v1_BusinessChangeResult>;
  
}

export interface DealershipAdminServiceDefinition extends grpc.ServiceDefinition {
  ApplyBusinessChange: MethodDefinition<_distillery_agents_v1_BusinessChange, _distillery_agents_v1_BusinessChangeResult, _distillery_agents_v1_BusinessChange__Output, _distillery_agents_v1_BusinessChangeResult__Output>
}
