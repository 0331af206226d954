import type { ChatMessage } from '@distillery/llm';
import type { DialogueState, Understanding } from '../pipeline/dialogue-state.js';
import type { ToolDescription } from '../pipeline/toolbox.js';
import type { PlanViolation } from '../plans/plan-violation.js';
import { renderViolations } from '../plans/plan-violation.js';
import { buildPrompt, type PromptProfile, renderHistory } from './prompt-builder.js';
import { EXPLAINER_EXEMPLARS, PLANNER_EXEMPLARS, UNDERSTANDER_EXEMPLARS } from './exemplars.js';

const DEALERSHIP = 'You work for a car dealership group with several lots. You help customers find vehicles, book test drives, estimate financing, appraise trade-ins and reserve vehicles.';

function toolsSection(tools: readonly ToolDescription[], withSchemas: boolean): string {
  return tools
    .map((tool) => `- ${tool.name}(args): ${tool.description} Returns ${tool.returns}.${withSchemas ? `\n  args: ${JSON.stringify(tool.argsSchema)}` : ''}`)
    .join('\n');
}

/** A call's context: the conversation (it grows turn by turn, so it leads), the memory, then the clock. */
function contextSections(input: AgentPromptInput, clock = true) {
  const { dialogue } = input;
  const listed = dialogue.listed?.length ? `\nLast listed: ${JSON.stringify(dialogue.listed)}` : '';
  return [
    { title: 'Conversation so far', body: renderHistory(dialogue.history) },
    { title: 'Memory', body: `Known entities: ${JSON.stringify(dialogue.entities)}\nDialogue state: ${JSON.stringify(dialogue.state)}${listed}` },
    ...(clock ? [{ title: 'Now', body: renderNow(input.now, input.utcOffsetMinutes) }] : []),
  ];
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * The turn's time as the dealership's local time: first an ISO 8601 timestamp with its UTC offset
 * (the same instant, so a reader that parses the line gets the turn's clock), then the weekday,
 * date and time in words with the zone as the business rules write it. "Tomorrow" is the day
 * after this date, not after UTC's.
 */
export function renderNow(now: Date, utcOffsetMinutes: number): string {
  const local = new Date(now.getTime() + utcOffsetMinutes * 60_000).toISOString();
  const sign = utcOffsetMinutes >= 0 ? '+' : '-';
  const minutes = Math.abs(utcOffsetMinutes);
  const offset = `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const weekday = DAYS[new Date(`${local.slice(0, 10)}T00:00:00Z`).getUTCDay()];
  return `${local.slice(0, 23)}${offset}\n${weekday} ${local.slice(0, 10)} ${local.slice(11, 16)}, dealership time (UTC${sign}${minutes / 60})`;
}

export interface AgentPromptInput {
  readonly profile: PromptProfile;
  readonly tools: readonly ToolDescription[];
  readonly rules: string;
  readonly dialogue: DialogueState;
  readonly now: Date;
  /** The dealership's offset from UTC: `## Now` shows its local time. */
  readonly utcOffsetMinutes: number;
}

export function understanderPrompt(input: AgentPromptInput, utterance: string): ChatMessage[] {
  return buildPrompt(
    {
      role: `${DEALERSHIP}\nYou are the Understander: read the customer's message in the context of the conversation and extract what they want.`,
      format: 'One JSON object, nothing else: {"intents": [..], "entities": {..}, "state": {..}, "outOfScope": boolean}. Intents are snake_case verbs such as search_inventory, vehicle_details, schedule_test_drive, cancel_test_drive, estimate_financing, appraise_trade_in, reserve_vehicle, dealership_info, hand_off, greeting. Entities use the tools\' argument names where they match (make, model, body, fuel, maxPrice, vin, slot, termMonths, downPayment, location, …).',
      sections: [
        { title: 'Tools the dealership has', body: toolsSection(input.tools, false) },
      ],
      exemplars: UNDERSTANDER_EXEMPLARS,
      context: contextSections(input),
      input: utterance,
    },
    input.profile,
  );
}

export function plannerPrompt(input: AgentPromptInput, utterance: string, understanding: Understanding, feedback: readonly PlanViolation[] | string | undefined): ChatMessage[] {
  const rejected = feedback === undefined ? '' : `\n\nYour previous plan was rejected:\n${typeof feedback === 'string' ? feedback : renderViolations(feedback)}\nWrite a corrected plan.`;
  return buildPrompt(
    {
      role: `${DEALERSHIP}\nYou are the Planner: write a small program that calls the dealership's tools to serve the customer's request. It runs in a sandbox where only the tools exist.`,
      format:
        'Only the program, no prose, no code fences. A function body in a JavaScript subset: const/let, if/else, for…of, return, object and array literals, property reads, calls to the tools by name with ONE object argument. No functions, no methods, no `new`, no while loops. Tools return {ok: true, …} or {ok: false, error: {code, message}}. End with `return { … }` holding what the Explainer needs.',
      sections: [
        { title: 'Tools', body: toolsSection(input.tools, input.profile === 'production'), compact: true },
        { title: 'Business rules', body: input.rules },
      ],
      exemplars: PLANNER_EXEMPLARS,
      context: contextSections(input),
      input: `Customer: ${utterance}\nUnderstanding: ${JSON.stringify(understanding)}${rejected}`,
    },
    input.profile,
  );
}

export function evaluatorPrompt(input: AgentPromptInput, utterance: string, plan: string): ChatMessage[] {
  return buildPrompt(
    {
      role: `${DEALERSHIP}\nYou are the Evaluator: review a plan another agent wrote before it runs. Approve it only if it serves the request, calls the right tools with sensible arguments and respects every business rule.`,
      format: 'One JSON object: {"approve": boolean, "feedback": "what to change, if not approved"}.',
      sections: [
        { title: 'Tools', body: toolsSection(input.tools, false), compact: true },
        { title: 'Business rules', body: input.rules, compact: true },
      ],
      exemplars: [],
      input: `Customer: ${utterance}\nPlan:\n${plan}`,
    },
    input.profile,
  );
}

export function explainerPrompt(input: AgentPromptInput, utterance: string, result: unknown): ChatMessage[] {
  return buildPrompt(
    {
      role: `${DEALERSHIP}\nYou are the Explainer: tell the customer, in a friendly and concise way, what was found or done. Say only what the results support; never invent vehicles, prices or bookings.`,
      format: 'Plain text for the customer, at most 5 sentences.',
      sections: [],
      exemplars: EXPLAINER_EXEMPLARS,
      context: contextSections(input, false),
      input: `Customer: ${utterance}\nResults: ${JSON.stringify(result)}`,
    },
    input.profile,
  );
}
