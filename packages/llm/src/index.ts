/**
 * @distillery/llm — the one model port every model call of every service goes through, and its
 * adapters: `reference` (policies written as code) and `openai` (any OpenAI-compatible endpoint).
 *
 * ```ts
 * import { OpenAiModel, ReferenceModel } from '@distillery/llm';
 * const teacher = process.env.OPENAI_BASE_URL
 *   ? new OpenAiModel({ baseUrl: process.env.OPENAI_BASE_URL, model: 'llama-3.1-8b-instruct' })
 *   : new ReferenceModel({ planner: () => 'return dealershipInfo({});' });
 * const out = await teacher.complete({ role: 'planner', messages: [{ role: 'user', content: 'opening hours?' }] });
 * ```
 */
export { estimateTokens, parseTranscript, renderTranscript, type ChatMessage, type Completion, type CompletionRequest, type ModelPort } from './model-port.js';
export { ReferenceModel, type ReferencePolicy } from './reference-model.js';
export { OpenAiModel, type OpenAiModelOptions } from './openai-model.js';
export { ModelCallError } from './model-call.error.js';
export { UnknownRoleError } from './unknown-role.error.js';
