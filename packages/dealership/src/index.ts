/**
 * @distillery/dealership — The dealership the agents serve and the five-agent pipeline over it, as a
 * library. The agents service serves it over gRPC; the simulator, judge and curator read the same
 * domain, prompts and checks from here (no service imports another).
 *
 * ```ts
 * import { DealershipToolbox, EMPTY_DIALOGUE, openDealershipMemoryDatabase, PlanSandbox, seedDealership, TurnPipeline } from '@distillery/dealership';
 * import { referenceTeacher } from '@distillery/reference-teacher';
 * const db = await openDealershipMemoryDatabase();
 * await seedDealership(db.dataSource, { seed: 7 });
 * const pipeline = new TurnPipeline(referenceTeacher({ seed: 7 }), await DealershipToolbox.open(db.dataSource), new PlanSandbox());
 * const turn = await pipeline.run('any hybrid SUVs under 35k?', EMPTY_DIALOGUE, { tenant: 'demo', customerId: 'cust_0001', now: new Date() });
 * ```
 */

// The domain as data: catalog, seed, rules and the tools' argument schemas and docs.
export { BODIES, COLOURS, FEATURES, FUELS, LOTS, MAKES, MODELS, TRIMS, referencePrice, type Body, type Fuel, type Lot, type ModelSpec } from './domain/vehicle-catalog.js';
export {
  CREDIT_TIERS, DEFAULT_RULES, dealershipRulesSchema, instantOfLocal, localTime, monthlyPayment, renderRules, roundCents, SLOT_PATTERN, slotShapeViolations, slotsOfDay, TRADE_IN_CONDITIONS, WEEKDAYS,
  type CreditTier, type DealershipRules, type Weekday,
} from './domain/dealership-rules.js';
export { DEFAULT_CUSTOMER_COUNT, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles, seedDealership, seededRandom, vinCheckDigit, type SeedOptions } from './domain/dealership-seed.js';
export { DealershipTools, staticRules, TOOL_ARGS, TOOL_DOCS, toolCatalog, type ToolError, type ToolName } from './domain/dealership-tools.js';
export { applyMergePatch, inverseMergePatch, type JsonValue } from './domain/merge-patch.js';

// Its tables (in the agents schema, migrated by the agents service), the toolbox over them, and the business changes.
export { CustomerEntity, DEALERSHIP_ENTITIES, DealershipEntity, ReservationEntity, TestDriveEntity, VehicleEntity } from './domain/dealership.entities.js';
export { AgentsDealership1764000003000 } from './domain/dealership.migration.js';
export { openDealershipMemoryDatabase } from './dealership-memory-database.js';
export { DealershipToolbox, RULES_VERSION } from './domain/dealership-toolbox.js';
export type { BusinessChange, BusinessChangeOutcome, BusinessChanges } from './admin/business-changes.js';
export { InvalidBusinessChangeError } from './admin/invalid-business-change.error.js';
export { DealershipBusinessChanges } from './domain/dealership-business-changes.js';

// The prompts as the agents render them, and as a reader of a rendered prompt (the reference teacher, the judge) reads them.
export { buildPrompt, renderHistory, type Exemplar, type PromptParts, type PromptProfile } from './prompts/prompt-builder.js';
export { evaluatorPrompt, explainerPrompt, plannerPrompt, renderNow, understanderPrompt, type AgentPromptInput } from './prompts/agent-prompts.js';
export { jsonLine, labelled, localNow, offeredTools, readMemory, readPrompt, type Memory, type PromptView } from './prompts/prompt-reading.js';
export { catalogForRules, readRules } from './prompts/rules-reading.js';
export { unsupportedClaims, unsupportedStatements } from './prompts/explanation-facts.js';

// Plans: the Evaluator's static checks and the Executor's sandbox.
export { validatePlan, type PlanCheck, type PlanTool, type PlanToolCall, type PlanToolCatalog } from './plans/plan-validator.js';
export { halsteadOf, type HalsteadMeasures } from './plans/halstead.js';
export { renderViolations, type PlanViolation, type PlanViolationCode } from './plans/plan-violation.js';
export { DEFAULT_SANDBOX_LIMITS, PlanSandbox, type PlanOutcome, type SandboxTool, type ToolCallRecord } from './plans/plan-sandbox.js';
export type { SandboxErrorCode, SandboxLimits } from './plans/sandbox-protocol.js';

// The turn: dialogue memory, the toolbox port, one agent call and the five agents with replans.
export { advanceDialogue, EMPTY_DIALOGUE, understandingSchema, type DialogueState, type DialogueTurn, type Understanding } from './pipeline/dialogue-state.js';
export type { ToolDescription, Toolbox, TurnContext } from './pipeline/toolbox.js';
export { AGENT_MAX_TOKENS, callAgent, type AgentCallRecord, type AgentRole } from './pipeline/agent-call.js';
export { sameValue } from './pipeline/same-value.js';
export { DEFAULT_PIPELINE_OPTIONS, FALLBACK_REPLY, parseJson, planCode, TurnPipeline, verdictSchema, type TurnPipelineOptions, type TurnProgress, type TurnResult } from './pipeline/turn-pipeline.js';
