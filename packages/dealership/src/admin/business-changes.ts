import type { JsonValue } from '../domain/merge-patch.js';

/** What a business change left behind: the rules in force after it and before it, and what it did to a vehicle. */
export interface BusinessChangeOutcome {
  readonly rulesVersion: number;
  readonly rules: unknown;
  readonly previousRules: unknown;
  /** The vehicle's status before the change (vehicle changes only). */
  readonly previousVehicleStatus?: string;
}

/** One change to the business while the service runs. */
export type BusinessChange =
  | { readonly kind: 'vehicle-status'; readonly vin: string; readonly sold: boolean }
  | { readonly kind: 'rules-patch'; readonly patch: JsonValue }
  | { readonly kind: 'tool-availability'; readonly tool: string; readonly available: boolean };

/**
 * The business changing under the agents while they serve (a vehicle sold, a rule changed, a tool
 * appearing or going away): what simulator campaigns switch mid-conversation. Every change applies
 * from the next turn on, to the prompts, the Evaluator and the tools alike.
 */
export interface BusinessChanges {
  apply(change: BusinessChange): Promise<BusinessChangeOutcome>;
}
