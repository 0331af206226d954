// Original file: proto/distillery/agents/v1/agents.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateSessionRequest as _distillery_agents_v1_CreateSessionRequest, CreateSessionRequest__Output as _distillery_agents_v1_CreateSessionRequest__Output } from '../../../distillery/agents/v1/CreateSessionRequest.js';
import type { GetSessionRequest as _distillery_agents_v1_GetSessionRequest, GetSessionRequest__Output as _distillery_agents_v1_GetSessionRequest__Output } from '../../../distillery/agents/v1/GetSessionRequest.js';
import type { GetTurnTraceRequest as _distillery_agents_v1_GetTurnTraceRequest, GetTurnTraceRequest__Output as _distillery_agents_v1_GetTurnTraceRequest__Output } from '../../../distillery/agents/v1/GetTurnTraceRequest.js';
import type { SendMessageRequest as _distillery_agents_v1_SendMessageRequest, SendMessageRequest__Output as _distillery_agents_v1_SendMessageRequest__Output } from '../../../distillery/agents/v1/SendMessageRequest.js';
import type { SendMessageResponse as _distillery_agents_v1_SendMessageResponse, SendMessageResponse__Output as _distillery_agents_v1_SendMessageResponse__Output } from '../../../distillery/agents/v1/SendMessageResponse.js';
import type { Session as _distillery_agents_v1_Session, Session__Output as _distillery_agents_v1_Session__Output } from '../../../distillery/agents/v1/Session.js';
import type { TurnEvent as _distillery_agents_v1_TurnEvent, TurnEvent__Output as _distillery_agents_v1_TurnEvent__Output } from '../../../distillery/agents/v1/TurnEvent.js';
import type { TurnTrace as _distillery_agents_v1_TurnTrace, TurnTrace__Output as _distillery_agents_v1_TurnTrace__Output } from '../../../distillery/agents/v1/TurnTrace.js';

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
export interface AgentServiceClient extends grpc.Client {
  /**
   * Opens a conversation.
   */
  CreateSession(argument: _distillery_agents_v1_CreateSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  CreateSession(argument: _distillery_agents_v1_CreateSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  CreateSession(argument: _distillery_agents_v1_CreateSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  CreateSession(argument: _distillery_agents_v1_CreateSessionRequest, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  /**
   * Opens a conversation.
   */
  createSession(argument: _distillery_agents_v1_CreateSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  createSession(argument: _distillery_agents_v1_CreateSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  createSession(argument: _distillery_agents_v1_CreateSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  createSession(argument: _distillery_agents_v1_CreateSessionRequest, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  
  /**
   * A session with a summary of its turns.
   */
  GetSession(argument: _distillery_agents_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _distillery_agents_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _distillery_agents_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  GetSession(argument: _distillery_agents_v1_GetSessionRequest, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  /**
   * A session with a summary of its turns.
   */
  getSession(argument: _distillery_agents_v1_GetSessionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  getSession(argument: _distillery_agents_v1_GetSessionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  getSession(argument: _distillery_agents_v1_GetSessionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  getSession(argument: _distillery_agents_v1_GetSessionRequest, callback: grpc.requestCallback<_distillery_agents_v1_Session__Output>): grpc.ClientUnaryCall;
  
  /**
   * Everything the agents did in one turn: every model call, tool call and the plan.
   */
  GetTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  GetTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  GetTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  GetTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  /**
   * Everything the agents did in one turn: every model call, tool call and the plan.
   */
  getTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  getTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  getTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  getTurnTrace(argument: _distillery_agents_v1_GetTurnTraceRequest, callback: grpc.requestCallback<_distillery_agents_v1_TurnTrace__Output>): grpc.ClientUnaryCall;
  
  /**
   * One customer message in, the reply out, after the whole agent pipeline ran.
   */
  SendMessage(argument: _distillery_agents_v1_SendMessageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  SendMessage(argument: _distillery_agents_v1_SendMessageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  SendMessage(argument: _distillery_agents_v1_SendMessageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  SendMessage(argument: _distillery_agents_v1_SendMessageRequest, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One customer message in, the reply out, after the whole agent pipeline ran.
   */
  sendMessage(argument: _distillery_agents_v1_SendMessageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  sendMessage(argument: _distillery_agents_v1_SendMessageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  sendMessage(argument: _distillery_agents_v1_SendMessageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  sendMessage(argument: _distillery_agents_v1_SendMessageRequest, callback: grpc.requestCallback<_distillery_agents_v1_SendMessageResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The same turn, streamed: agent progress events, then the reply. Every stage that starts
   * ("started") ends in the stream ("done", "replan" or "failed"), also when the turn fails.
   */
  StreamMessage(argument: _distillery_agents_v1_SendMessageRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_agents_v1_TurnEvent__Output>;
  StreamMessage(argument: _distillery_agents_v1_SendMessageRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_agents_v1_TurnEvent__Output>;
  /**
   * The same turn, streamed: agent progress events, then the reply. Every stage that starts
   * ("started") ends in the stream ("done", "replan" or "failed"), also when the turn fails.
   */
  streamMessage(argument: _distillery_agents_v1_SendMessageRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_agents_v1_TurnEvent__Output>;
  streamMessage(argument: _distillery_agents_v1_SendMessageRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_distillery_agents_v1_TurnEvent__Output>;
  
}

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
export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Opens a conversation.
   */
  CreateSession: grpc.handleUnaryCall<_distillery_agents_v1_CreateSessionRequest__Output, _distillery_agents_v1_Session>;
  
  /**
   * A session with a summary of its turns.
   */
  GetSession: grpc.handleUnaryCall<_distillery_agents_v1_GetSessionRequest__Output, _distillery_agents_v1_Session>;
  
  /**
   * Everything the agents did in one turn: every model call, tool call and the plan.
   */
  GetTurnTrace: grpc.handleUnaryCall<_distillery_agents_v1_GetTurnTraceRequest__Output, _distillery_agents_v1_TurnTrace>;
  
  /**
   * One customer message in, the reply out, after the whole agent pipeline ran.
   */
  SendMessage: grpc.handleUnaryCall<_distillery_agents_v1_SendMessageRequest__Output, _distillery_agents_v1_SendMessageResponse>;
  
  /**
   * The same turn, streamed: agent progress events, then the reply. Every stage that starts
   * ("started") ends in the stream ("done", "replan" or "failed"), also when the turn fails.
   */
  StreamMessage: grpc.handleServerStreamingCall<_distillery_agents_v1_SendMessageRequest__Output, _distillery_agents_v1_TurnEvent>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  CreateSession: MethodDefinition<_distillery_agents_v1_CreateSessionRequest, _distillery_agents_v1_Session, _distillery_agents_v1_CreateSessionRequest__Output, _distillery_agents_v1_Session__Output>
  GetSession: MethodDefinition<_distillery_agents_v1_GetSessionRequest, _distillery_agents_v1_Session, _distillery_agents_v1_GetSessionRequest__Output, _distillery_agents_v1_Session__Output>
  GetTurnTrace: MethodDefinition<_distillery_agents_v1_GetTurnTraceRequest, _distillery_agents_v1_TurnTrace, _distillery_agents_v1_GetTurnTraceRequest__Output, _distillery_agents_v1_TurnTrace__Output>
  SendMessage: MethodDefinition<_distillery_agents_v1_SendMessageRequest, _distillery_agents_v1_SendMessageResponse, _distillery_agents_v1_SendMessageRequest__Output, _distillery_agents_v1_SendMessageResponse__Output>
  StreamMessage: MethodDefinition<_distillery_agents_v1_SendMessageRequest, _distillery_agents_v1_TurnEvent, _distillery_agents_v1_SendMessageRequest__Output, _distillery_agents_v1_TurnEvent__Output>
}
