import type { PlanToolCatalog } from '../plans/plan-validator.js';
import type { SandboxTool, ToolCallRecord } from '../plans/plan-sandbox.js';

/** One tool as the prompts show it to the Planner. */
export interface ToolDescription {
  readonly name: string;
  readonly description: string;
  /** The argument JSON Schema (from the same zod schema the Evaluator checks with). */
  readonly argsSchema: unknown;
  readonly returns: string;
}

/** Who the turn is for and when: tools read the clock from here, never from the system. */
export interface TurnContext {
  readonly tenant: string;
  readonly customerId: string;
  readonly now: Date;
  /** The version of the business rules in force, when read with the session (one round trip less); the toolbox reads it otherwise. */
  readonly rulesVersion?: number;
}

/**
 * The dealership as the agents see it: tools to describe, check and call, and its rules in words.
 * `rulesText` reads the rules in force; the tools on offer, the catalog and the clock follow the
 * rules it last read, so a turn reads them after it.
 */
export interface Toolbox {
  readonly catalog: PlanToolCatalog;
  describe(): readonly ToolDescription[];
  /** The business rules, rendered for prompts. */
  rulesText(context: TurnContext): Promise<string>;
  /** The tools bound to one turn (customer, clock), as the sandbox calls them. */
  bind(context: TurnContext): Readonly<Record<string, SandboxTool>>;
  /** The business's offset from UTC: prompts show the turn's time as its local time. Absent: UTC. */
  readonly utcOffsetMinutes?: number;
  /** What a turn's tool calls listed to the customer, in the order shown (e.g. VINs), when they listed anything; absent: nothing is kept. */
  listing?(toolCalls: readonly ToolCallRecord[]): readonly string[] | undefined;
}
