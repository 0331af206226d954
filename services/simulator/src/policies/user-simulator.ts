import type { CampaignSpec } from '../campaigns/campaign-spec.js';
import type { Persona } from '../persona/persona.js';

/** Why a simulated conversation ended: the paper's EXIT, with its reason. */
export const EXIT_REASONS = ['goal_reached', 'gave_up', 'handed_off', 'max_turns'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** A business switch the customer's turn brings with it: applied to the agents right before the utterance is sent. */
export type SwitchStep =
  | { readonly kind: 'vehicle_sold'; readonly vin: string }
  | { readonly kind: 'rule_change'; readonly rule: string }
  | { readonly kind: 'tool_removed'; readonly tool: string }
  | { readonly kind: 'tool_added'; readonly tool: string };

/** The simulator's output for one turn: the next utterance u_i, or EXIT. */
export type SimulatorAction =
  | { readonly kind: 'say'; readonly text: string; readonly switch?: SwitchStep }
  | { readonly kind: 'exit'; readonly reason: ExitReason; readonly detail?: string };

/** The agents' answer a_i, as the customer sees it. */
export interface AgentReply {
  readonly text: string;
  /** The agents closed the conversation (goodbye, or a hand-off after no valid plan). */
  readonly ended: boolean;
}

/** One simulated customer in one conversation: holds the history H and writes u_i = S(H<i, N, I, E, Φ_S). */
export interface SimulatedCustomer {
  /** The next action, given the agents' last reply (none before the first utterance). */
  next(reply?: AgentReply): Promise<SimulatorAction>;
}

/** A simulator policy: `reference` (goal-driven personas as code) or `llm` (an OpenAI-compatible endpoint under Φ_S). */
export interface UserSimulator {
  readonly policy: 'reference' | 'llm';
  open(persona: Persona, spec: CampaignSpec): SimulatedCustomer;
}
