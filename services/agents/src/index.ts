/**
 * @distillery/agents — The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps.
 * Runs alone with `node services/agents/dist/src/main.js`; the embedded launcher imports `agentsService`.
 * The dealership, the pipeline and the prompts are `@distillery/dealership`; the reference teacher
 * and the scripted regression set are `@distillery/reference-teacher`. No other service imports this one.
 */
export { agentsService } from './agents.service-definition.js';
// The service alone in a test's or benchmark's process, reference teacher without mistakes (for the launcher's tests).
export { startReferenceAgents, type ReferenceAgents, type ReferenceAgentsOptions } from './testing/reference-agents.js';
