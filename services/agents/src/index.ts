/**
 * @distillery/agents — The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps.
 * Runs alone with `node services/agents/dist/src/main.js`; the embedded launcher imports `agentsService`.
 */
export { agentsService } from './agents.service-definition.js';
export { runScriptedConversations, scriptedConversations, type ScriptedConversation, type ScriptedTurnResult } from './regression/scripted-conversations.js';

// The dealership domain as data, for services that build on it (the curator's documents, validators and hard negatives).
export { DEFAULT_CUSTOMER_COUNT, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles, seedDealership, seededRandom } from './domain/dealership-seed.js';
export { CREDIT_TIERS, DEFAULT_RULES, instantOfLocal, renderRules, slotShapeViolations, WEEKDAYS, type DealershipRules } from './domain/dealership-rules.js';
export { TOOL_ARGS, TOOL_DOCS, toolCatalog, type ToolName } from './domain/dealership-tools.js';
export { BODIES, COLOURS, FEATURES, FUELS, LOTS, MAKES, MODELS } from './domain/vehicle-catalog.js';
export type { CustomerEntity, VehicleEntity } from './domain/dealership.entities.js';
// Business changes while the service runs (the DealershipAdminService): what simulator campaigns switch mid-conversation.
export type { BusinessChange, BusinessChangeOutcome, BusinessChanges } from './admin/business-changes.js';
export { InvalidBusinessChangeError } from './admin/invalid-business-change.error.js';
export { DealershipBusinessChanges } from './domain/dealership-business-changes.js';
export { applyMergePatch, inverseMergePatch, type JsonValue } from './domain/merge-patch.js';
export { validatePlan, type PlanToolCatalog } from './plans/plan-validator.js';
export { EMPTY_DIALOGUE, understandingSchema, type DialogueState } from './pipeline/dialogue-state.js';
// The pipeline and its reference teacher without the service around them (an in-memory dealership), for synthetic traces in tests.
export { openAgentsMemoryDatabase } from './agents-memory-database.js';
export { DealershipToolbox } from './domain/dealership-toolbox.js';
export { PlanSandbox } from './plans/plan-sandbox.js';
export { TurnPipeline } from './pipeline/turn-pipeline.js';
export { referenceTeacher } from './reference/reference-teacher.js';
export { uniformMistakes } from './reference/mistakes.js';
// What the judge reads: prompts as the reference policies read them, the program the pipeline runs from a Planner's output, the validator's check of it with the plan's tool calls, and the error-free teacher.
export { jsonLine, readPrompt, type PromptView } from './reference/prompt-reading.js';
export { planCode } from './pipeline/turn-pipeline.js';
export type { PlanCheck, PlanToolCall } from './plans/plan-validator.js';
export { NO_MISTAKES } from './reference/mistakes.js';
// The service alone in a test's or benchmark's process, reference teacher without mistakes.
export { startReferenceAgents, type ReferenceAgents, type ReferenceAgentsOptions } from './testing/reference-agents.js';
