import { type CallOptions, Metadata, type ServiceError } from '@grpc/grpc-js';
import { context, propagation } from '@opentelemetry/api';
import type { AgentServiceClient } from './generated/distillery/agents/v1/AgentService.js';
import type { BusinessChange } from './generated/distillery/agents/v1/BusinessChange.js';
import type { BusinessChangeResult__Output } from './generated/distillery/agents/v1/BusinessChangeResult.js';
import type { DealershipAdminServiceClient } from './generated/distillery/agents/v1/DealershipAdminService.js';
import type { CreateSessionRequest } from './generated/distillery/agents/v1/CreateSessionRequest.js';
import type { SendMessageRequest } from './generated/distillery/agents/v1/SendMessageRequest.js';
import type { SendMessageResponse__Output } from './generated/distillery/agents/v1/SendMessageResponse.js';
import type { Session__Output } from './generated/distillery/agents/v1/Session.js';
import type { TurnEvent__Output } from './generated/distillery/agents/v1/TurnEvent.js';
import type { TurnTrace__Output } from './generated/distillery/agents/v1/TurnTrace.js';
import { type GrpcClientTls, grpcChannelCredentials } from './grpc-tls.js';
import { agentsV1 } from './load-proto.js';

export interface AgentsClientOptions {
  /** `host:port` of the agents service. */
  readonly address: string;
  /** Sent as `x-api-key`; picks the tenant. */
  readonly apiKey: string;
  /** Per-call deadline. */
  readonly timeoutMs?: number;
  /** TLS to the agents (their DISTILLERY_TLS_CERT); plaintext when absent. */
  readonly tls?: GrpcClientTls;
}

/**
 * The agents API as promises, for apps and the simulator: one channel, the API key on every call,
 * a deadline per call. gRPC errors reject with the `ServiceError` (code, details).
 */
export class AgentsClient {
  private readonly client: AgentServiceClient;
  private admin: DealershipAdminServiceClient | undefined;

  constructor(private readonly options: AgentsClientOptions) {
    this.client = new (agentsV1().AgentService)(options.address, grpcChannelCredentials(this.options.tls)) as unknown as AgentServiceClient;
  }

  createSession(request: CreateSessionRequest): Promise<Session__Output> {
    return this.unary((metadata, callOptions, done) => this.client.createSession(request, metadata, callOptions, done));
  }

  sendMessage(request: SendMessageRequest): Promise<SendMessageResponse__Output> {
    return this.unary((metadata, callOptions, done) => this.client.sendMessage(request, metadata, callOptions, done));
  }

  getSession(sessionId: string): Promise<Session__Output> {
    return this.unary((metadata, callOptions, done) => this.client.getSession({ sessionId }, metadata, callOptions, done));
  }

  getTurnTrace(sessionId: string, turnId: string): Promise<TurnTrace__Output> {
    return this.unary((metadata, callOptions, done) => this.client.getTurnTrace({ sessionId, turnId }, metadata, callOptions, done));
  }

  /** The streamed turn: every event (agent progress, then the reply), in order. */
  streamMessage(request: SendMessageRequest, onEvent: (event: TurnEvent__Output) => void = () => undefined): Promise<TurnEvent__Output[]> {
    const events: TurnEvent__Output[] = [];
    return new Promise((resolve, reject) => {
      const stream = this.client.streamMessage(request, this.metadata(), this.callOptions());
      stream.on('data', (event: TurnEvent__Output) => {
        events.push(event);
        onEvent(event);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(events));
    });
  }

  /** A business change (vehicle sold, rules patched, tool switched on or off); the API key's tenant must be an admin tenant. */
  applyBusinessChange(change: BusinessChange): Promise<BusinessChangeResult__Output> {
    this.admin ??= new (agentsV1().DealershipAdminService)(this.options.address, grpcChannelCredentials(this.options.tls)) as unknown as DealershipAdminServiceClient;
    const admin = this.admin;
    return this.unary((metadata, callOptions, done) => admin.applyBusinessChange(change, metadata, callOptions, done));
  }

  close(): void {
    this.client.close();
    this.admin?.close();
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    metadata.set('x-api-key', this.options.apiKey);
    // The caller's trace (traceparent), if it has one: the agents' span continues it.
    propagation.inject(context.active(), metadata, { set: (carrier, key, value) => carrier.set(key, value) });
    return metadata;
  }

  private callOptions(): CallOptions {
    return this.options.timeoutMs ? { deadline: Date.now() + this.options.timeoutMs } : {};
  }

  private unary<T>(call: (metadata: Metadata, options: CallOptions, done: (error: ServiceError | null, value?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => call(this.metadata(), this.callOptions(), (error, value) => (error ? reject(error) : resolve(value as T))));
  }
}
