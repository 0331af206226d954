import type { AgentName } from '../dataset/dataset-rows.js';
import type { RefinedCall, RefinedTurn } from '../dataset/refined-turn.js';

/** A Planner prompt as the agents render it, reduced to what the curator reads: the clock and the input. */
export function plannerPrompt(utterance: string, understanding: object, now = '2026-11-24T10:00:00.000Z'): string {
  return `<|system|>\nYou are the Planner.\n\n## Business rules\n(rules)\n\n## Now\n${now}\n<|user|>\nCustomer: ${utterance}\nUnderstanding: ${JSON.stringify(understanding)}`;
}

export function understanderPrompt(utterance: string): string {
  return `<|system|>\nYou are the Understander.\n\n## Now\n2026-11-24T10:00:00.000Z\n<|user|>\n${utterance}`;
}

/** One refined call; `refined` defaults to the output (an accepted call). */
export function callOf(agent: AgentName, output: string, options: { refined?: string; verdict?: RefinedCall['verdict']; prompt?: string; callId?: string } = {}): RefinedCall {
  const refined = options.refined ?? output;
  return {
    callId: options.callId ?? `call_${agent}`,
    agent,
    prompt: options.prompt ?? `<|system|>\nYou are the ${agent}.\n<|user|>\nhello`,
    output,
    refined,
    verdict: options.verdict ?? (refined === output ? 'accepted' : 'corrected'),
    reasons: [],
  };
}

/** One refined turn of a conversation, its call ids made unique within the turn. */
export function turnOf(conversationId: string, turnIndex: number, calls: readonly RefinedCall[], campaignId?: string): RefinedTurn {
  const turnId = `turn_${conversationId}_${turnIndex}`;
  return {
    conversationId,
    turnId,
    turnIndex,
    tenant: 't',
    ...(campaignId ? { campaignId } : {}),
    rawEventId: `raw_${conversationId}_${turnIndex}`,
    eventId: `evt_${conversationId}_${turnIndex}`,
    judge: { backend: 'reference', model: 'reference-judge' },
    calls: calls.map((call, index) => ({ ...call, callId: `call_${index + 1}` })),
  };
}

/** A valid exchange: the Understander's JSON, a plan, the Explainer's reply. */
export function simpleTurn(conversationId: string, turnIndex: number, options: { plan?: string; refinedPlan?: string; campaignId?: string; say?: string } = {}): RefinedTurn {
  const say = options.say ?? 'when are you open?';
  const plan = options.plan ?? 'const info = dealershipInfo({});\nreturn { info };';
  return turnOf(
    conversationId,
    turnIndex,
    [
      callOf('understander', '{"intents":["dealership_info"],"entities":{},"state":{},"outOfScope":false}', { prompt: understanderPrompt(say) }),
      callOf('planner', plan, { refined: options.refinedPlan ?? plan, prompt: plannerPrompt(say, { intents: ['dealership_info'], entities: {} }) }),
      callOf('explainer', 'We are open 09:00–19:00 on weekdays.', { prompt: `<|system|>\nYou are the Explainer.\n<|user|>\nCustomer: ${say}\nResults: {}` }),
    ],
    options.campaignId,
  );
}
