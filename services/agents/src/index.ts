/**
 * @distillery/agents — The five-agent pipeline (Understander, Planner, Evaluator, Executor, Explainer, with replans) behind a gRPC API for product apps.
 * Runs alone with `node services/agents/dist/src/main.js`; the embedded launcher imports `agentsService`.
 */
export { agentsService } from './agents.service-definition.js';
export { runScriptedConversations, scriptedConversations, type ScriptedConversation, type ScriptedTurnResult } from './regression/scripted-conversations.js';
