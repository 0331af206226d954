/**
 * @distillery/judge — Refines every agent call y into y* with a verdict and reasons (rules and an LLM judge).
 * Runs alone with `node services/judge/dist/src/main.js`; the embedded launcher imports `judgeService`.
 * The judges also work on their own, on any traces.raw turn:
 *
 * ```ts
 * import { traceRawContract } from '@distillery/contracts';
 * import { ReferenceJudge, TraceRefiner } from '@distillery/judge';
 * const refiner = new TraceRefiner(new ReferenceJudge({ seed: 7 }), 7);
 * const { message } = await refiner.refine(traceRawContract.example, 'raw-event-id');
 * console.log(message.calls.map((call) => `${call.agent}: ${call.verdict} ${call.reasons.join('; ')}`));
 * ```
 */
export { judgeService } from './judge.service-definition.js';
export { judgeConfigSchema, loadJudgeConfig, type JudgeConfig } from './config/judge.config.js';
export { VERDICTS, type AgentCall, type CallJudge, type CallJudgement, type Verdict } from './refine/call-judgement.js';
export { ReferenceJudge } from './refine/reference-judge.js';
export { LlmJudge, type LlmJudgeOptions } from './refine/llm-judge.js';
export { llmVerdictSchema } from './refine/llm-verdict.js';
export { UnusableVerdictError } from './refine/unusable-verdict.error.js';
export { refinePrompt } from './refine/refine-prompt.js';
export { TraceRefiner, type RefinedTrace } from './refine/trace-refiner.js';
export { JUDGE_GROUP, refinedEventId } from './store/refinement-store.js';
