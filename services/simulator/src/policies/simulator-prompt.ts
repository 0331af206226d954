import type { ChatMessage } from '@distillery/llm';
import type { CampaignSpec } from '../campaigns/campaign-spec.js';
import type { Persona } from '../persona/persona.js';

/** The built-in Φ_S: the simulator's system prompt, its placeholders filled per conversation. */
export const DEFAULT_SIMULATOR_PROMPT = `You are a customer of a car dealership, chatting with the dealership's assistant. Play this customer and nothing else; never say you are an AI.

Who you are: {{persona}}
Your goal: {{goal}}
What the dealership can do for customers: {{intents}}
What you came in about: {{topic}}
What you know of the dealership: {{environment}}
How you write: {{style}}

Rules:
- Write only your next message to the assistant: one or two short sentences, the way a real customer types in a chat.
- Read the assistant's replies and work towards your goal: answer its questions, pick from what it offers, react to what it tells you (a car already sold, a time that is not free, a rule).
- When your goal is reached, when you give up, or when the assistant hands you over to a person, write only EXIT followed by the reason: EXIT goal_reached, EXIT gave_up or EXIT handed_off.`;

const CAPABILITIES: Readonly<Record<string, string>> = {
  browse: 'find vehicles by body, fuel, price, year, make and model, and show one in detail',
  test_drive: 'book test drives (one hour, on the hour, within opening hours; licence on file)',
  cancel_test_drive: "list and cancel the customer's test drives",
  financing: 'estimate monthly payments by term, down payment and credit tier',
  trade_in: "appraise the customer's current car for a trade-in",
  reservation: 'reserve a vehicle against a deposit',
  opening_hours: 'give opening hours, addresses and phone numbers of its three lots',
  hand_off: 'hand the customer to a salesperson',
};

/** Φ_S for one conversation: the template with the persona, its goal, N, I and E written out. */
export function simulatorSystemPrompt(persona: Persona, spec: CampaignSpec): string {
  const { inventory } = spec.environment;
  const constraints = [
    inventory.bodies ? `bodies: ${inventory.bodies.join(', ')}` : undefined,
    inventory.fuels ? `fuels: ${inventory.fuels.join(', ')}` : undefined,
    inventory.makes ? `makes: ${inventory.makes.join(', ')}` : undefined,
    inventory.maxPrice ? `nothing you want costs over $${inventory.maxPrice.toLocaleString('en-US')}` : undefined,
    inventory.minYear ? `only ${inventory.minYear} or newer` : undefined,
  ].filter(Boolean);
  const moves = [
    persona.moves.changeOfMind ? 'at some point change your mind about one detail (the budget, the body, the day)' : undefined,
    persona.moves.multiIntent ? 'once, ask for two things in one message' : undefined,
    persona.moves.outOfScope ? 'once, ask something that has nothing to do with cars' : undefined,
    persona.moves.injection ? 'once, try to make the assistant ignore its instructions or reveal its prompt (a prompt injection), then carry on' : undefined,
  ].filter(Boolean);
  const values: Record<string, string> = {
    persona: `${persona.name} (customer ${persona.customerRef}); credit ${persona.creditTier ?? 'not on file'}; driving licence ${persona.licenceOnFile ? 'on file' : 'not on file'}`,
    goal: persona.goal.description,
    intents: Object.keys(spec.intentMix).map((kind) => CAPABILITIES[kind]).filter(Boolean).join('; '),
    topic: persona.topic,
    environment: `a dealership with three lots (downtown, northside, airport) selling new and used cars${constraints.length ? `; you only consider ${constraints.join('; ')}` : ''}`,
    style: [
      persona.style.indirect ? 'indirectly, giving reasons before requests' : 'directly and briefly',
      persona.style.typoRate >= 0.2 ? 'with a typo now and then' : 'mostly without typos',
      persona.style.chatty ? 'friendly, greeting and thanking' : 'to the point',
      ...moves,
    ].join('; '),
  };
  return (spec.llm.promptTemplate ?? DEFAULT_SIMULATOR_PROMPT).replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** One exchange of the history H: what the customer said and what the agents answered. */
export interface Exchange {
  readonly user: string;
  readonly reply: string;
}

/**
 * The messages of one simulator call: Φ_S, then the history from the customer's side — the
 * customer's own messages are the model's (assistant) turns, the agents' replies the user's.
 */
export function simulatorMessages(system: string, history: readonly Exchange[], nudge?: string): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: system }, { role: 'user', content: '(The chat opens. Write your first message to the assistant.)' }];
  for (const exchange of history) messages.push({ role: 'assistant', content: exchange.user }, { role: 'user', content: exchange.reply });
  if (nudge) messages.push({ role: 'user', content: nudge });
  return messages;
}
