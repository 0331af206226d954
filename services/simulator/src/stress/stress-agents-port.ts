import type { TurnTrace__Output } from '@distillery/proto';
import type { AgentsPort } from '../conversations/agents-port.js';

/**
 * What the stress test needs of an agents backend: the simulator's port (sessions, messages,
 * business changes through DealershipAdminService) and each turn's trace, to judge the plan and
 * its tool calls. The gRPC AgentsClient of @distillery/proto is one; a test may wrap it.
 */
export interface StressAgentsPort extends AgentsPort {
  getTurnTrace(sessionId: string, turnId: string): Promise<TurnTrace__Output>;
}
