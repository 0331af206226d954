/**
 * @distillery/reference-teacher — The dealership's four model-calling agents written as code that
 * read only the rendered prompt (the agents' `reference` backend, and what the judge reruns), erring
 * on purpose at a seeded, order-independent rate; and the scripted regression conversations every
 * teacher change is checked against.
 *
 * ```ts
 * import { referenceTeacher, uniformMistakes } from '@distillery/reference-teacher';
 * const teacher = referenceTeacher({ seed: 7, mistakes: uniformMistakes(0.1) }); // a ModelPort
 * ```
 */
export { referenceTeacher, type ReferenceTeacherOptions } from './reference-teacher.js';
export { MISTAKE_KINDS, MistakePlanner, NO_MISTAKES, uniformMistakes, type MistakeKind, type MistakeRates } from './mistakes.js';
export {
  offsetAcrossMidnight, runScriptedConversations, scriptedConversations, switchConversations, typoConversations,
  type ScriptedConversation, type ScriptedEffect, type ScriptedTurn, type ScriptedTurnResult,
} from './regression/scripted-conversations.js';
