import type { BusinessChange, BusinessChangeResult__Output, CreateSessionRequest, SendMessageRequest } from '@distillery/proto';

/**
 * What the simulator needs of the agents service: sessions, messages and business changes. The
 * gRPC AgentsClient of @distillery/proto is the one implementation outside tests.
 */
export interface AgentsPort {
  createSession(request: CreateSessionRequest): Promise<{ readonly sessionId: string }>;
  sendMessage(request: SendMessageRequest): Promise<{ readonly turnId: string; readonly reply: string; readonly ended: boolean }>;
  applyBusinessChange(change: BusinessChange): Promise<BusinessChangeResult__Output>;
}
