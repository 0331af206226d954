/**
 * @distillery/judge — Refines every agent call y into y* with a verdict and reasons (rules and an LLM judge).
 * Runs alone with `node services/judge/dist/src/main.js`; the embedded launcher imports `judgeService`.
 */
export { judgeService } from './judge.service-definition.js';
