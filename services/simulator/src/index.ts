/**
 * @distillery/simulator — Campaigns of simulated customers that drive the agents service over gRPC until each conversation ends.
 * Runs alone with `node services/simulator/dist/src/main.js`; the embedded launcher imports `simulatorService`.
 * The personas and policies also work on their own:
 *
 * ```ts
 * import { PersonaGenerator, referenceSimulator, resolveCampaignSpec } from '@distillery/simulator';
 * const spec = resolveCampaignSpec({ count: 10, seed: 7 }, { policy: 'reference', dealershipSeed: 7 });
 * const customer = referenceSimulator.open(new PersonaGenerator(spec).persona(0), spec);
 * console.log(await customer.next());   // { kind: 'say', text: 'hi, …' }
 * ```
 */
export { simulatorService } from './simulator.service-definition.js';
export { SIMULATOR_MIGRATIONS } from './simulator.schema.js';
export { SimulatorRuntime } from './simulator-runtime.js';
export { loadSimulatorConfig, simulatorConfigSchema, type SimulatorConfig } from './config/simulator.config.js';
export { campaignSpecSchema, DEFAULT_INTENT_MIX, DEFAULT_TOPICS, GOAL_KINDS, SWITCH_KINDS, type CampaignRequest, type CampaignSpec, type GoalKind } from './campaigns/campaign-spec.js';
export { resolveCampaignSpec } from './campaigns/resolve-campaign-spec.js';
export type { CampaignProgress, ConversationRow, StoredCampaign } from './campaigns/campaign-store.js';
export { PersonaGenerator } from './persona/persona-generator.js';
export type { Persona } from './persona/persona.js';
export { referenceSimulator } from './policies/reference-customer.js';
export { llmSimulator } from './policies/llm-simulator.js';
export { EXIT_REASONS, type ExitReason, type SimulatedCustomer, type SimulatorAction, type UserSimulator } from './policies/user-simulator.js';
export type { AgentsPort } from './conversations/agents-port.js';
// One persona's conversation against any agents port, with its business switches, and how a reply is read (the launcher's campaign tests against the real agents).
export { ConversationDriver, type ConversationDriverOptions, type ConversationJournal, type ConversationOutcome } from './conversations/conversation-driver.js';
export { SwitchGate } from './conversations/switch-gate.js';
export { readReply, type ReplyReading } from './persona/reply-reading.js';
export { INJECTION_MARKERS } from './persona/utterances.js';
// The E2E stress test (issue 17, 2): scenarios with business switches, played against any agents backend and judged turn by turn.
export { generateStressScenarios, STRESS_PERSONA_BASE, STRESS_TURNS, type StressScenarioOptions } from './stress/stress-scenario-generator.js';
export { changesTheWholeBusiness, STRESS_SWITCH_KINDS, type GoalCheck, type StressScenario, type StressSwitch, type StressSwitchKind, type StressTurn } from './stress/stress-scenario.js';
export { STRESS_RULES, type StressRule } from './stress/stress-rules.js';
export { judgeTurn, type TurnFailure, type TurnObservation } from './stress/stress-judge.js';
export type { StressAgentsPort } from './stress/stress-agents-port.js';
export { playScenario, runStressScenarios, type ScenarioResult, type StressRunOptions } from './stress/stress-runner.js';
export { scenarioLine, summarizeStress, summaryLines, type StressSummary } from './stress/stress-report.js';
// Stress runs over HTTP (POST /simulator/stress-runs): the deploy gate's E2E pass rate of one model version.
export { DEFAULT_STRESS_RUN_SCENARIOS, DEFAULT_STRESS_SEED, parseStressRunRequest, stressRunRequestSchema, type StressRunRequest } from './stress/stress-run-request.js';
export { KEPT_STRESS_RUNS, StressRuns, type StressRunsOptions, type StressRunStatus, type StressRunView } from './stress/stress-runs.js';
