import { BODIES, jsonLine, labelled, localNow, MAKES, offeredTools, readMemory, readPrompt, type Understanding } from '@distillery/dealership';
import { type CompletionRequest, ReferenceModel } from '@distillery/llm';
import { explain } from './explainer.policy.js';
import { type MistakeKind, MistakePlanner, type MistakeRates, NO_MISTAKES } from './mistakes.js';
import { plan, refusedByRule } from './planner.policy.js';
import { understand } from './understander.policy.js';

/** Which tools serve an intent: the reference evaluator approves a plan that calls one of them for each intent. */
const SERVING_TOOLS: Readonly<Record<string, readonly string[]>> = {
  search_inventory: ['searchInventory'],
  vehicle_details: ['getVehicle'],
  schedule_test_drive: ['scheduleTestDrive', 'availableSlots'],
  list_test_drives: ['listTestDrives'],
  cancel_test_drive: ['cancelTestDrive', 'listTestDrives'],
  estimate_financing: ['estimateFinancing'],
  appraise_trade_in: ['appraiseTradeIn'],
  reserve_vehicle: ['reserveVehicle'],
  dealership_info: ['dealershipInfo'],
  hand_off: ['handOffToHuman'],
};

/** The Understander's deliberate mistake: one entity made wrong (or one invented when there are none). */
export function corruptEntity(understanding: Understanding, pick: number): Understanding {
  const entities = { ...understanding.entities };
  const keys = Object.keys(entities);
  if (!keys.length) return { ...understanding, entities: { body: BODIES[Math.floor(pick * BODIES.length)]! } };
  const key = keys[Math.floor(pick * keys.length)]!;
  const value = entities[key];
  if (typeof value === 'number') entities[key] = key === 'termMonths' ? (value === 72 ? 48 : 72) : Math.round(value * (pick < 0.5 ? 0.6 : 1.5));
  else if (key === 'make') entities.make = MAKES[(MAKES.indexOf(String(value)) + 1) % MAKES.length]!;
  else if (key === 'body') entities.body = BODIES[(BODIES.indexOf(value as (typeof BODIES)[number]) + 1) % BODIES.length]!;
  else if (key === 'slot' && typeof value === 'string') entities.slot = `${value.slice(0, 11)}${String((Number(value.slice(11, 13)) + 2) % 24).padStart(2, '0')}:00`;
  else if (key === 'vin' && typeof value === 'string') entities.vin = `${value.slice(0, 16)}${value.at(-1) === '1' ? '2' : '1'}`;
  else delete entities[key];
  return { ...understanding, entities };
}

/**
 * The reference evaluator: approves a plan when every intent it can read in the request is served
 * by a tool the plan calls, or the plan asks for what is missing or says what is switched off.
 */
export function review(utterance: string, code: string, now: Date): { approve: boolean; feedback: string } {
  if (/\b(needs|unavailable)\s*:/.test(code)) return { approve: true, feedback: '' };
  const intents = understand(utterance, { entities: {}, state: {}, lastReply: '' }, now).intents;
  const missing = intents.filter((intent) => SERVING_TOOLS[intent] && !SERVING_TOOLS[intent]!.some((tool) => code.includes(`${tool}(`)));
  return missing.length
    ? { approve: false, feedback: missing.map((intent) => `the customer asked to ${intent.replaceAll('_', ' ')} but the plan never calls ${SERVING_TOOLS[intent]!.join(' or ')}`).join('; ') }
    : { approve: true, feedback: '' };
}

export interface ReferenceTeacherOptions {
  readonly seed: number;
  readonly mistakes?: MistakeRates;
}

/** The dealership's local time of the call (see localNow); the epoch when the prompt shows none. */
function nowOf(request: CompletionRequest): Date {
  return localNow(readPrompt(request)) ?? new Date(0);
}

/**
 * The embedded teacher: every agent played by the reference policies above, reading only the
 * rendered prompt, with seeded mistakes per role at the configured rates (none by default). With
 * no mistakes it is also the judge's oracle for the right output of a call.
 */
export function referenceTeacher(options: ReferenceTeacherOptions): ReferenceModel {
  const mistakes = new MistakePlanner(options.seed, options.mistakes ?? NO_MISTAKES);
  const transcript = (request: CompletionRequest) => request.messages.map((message) => message.content).join('\n');
  const mistakeOf = (role: 'understander' | 'planner' | 'explainer', request: CompletionRequest): MistakeKind | undefined => mistakes.pick(role, transcript(request));
  return new ReferenceModel(
    {
      understander: (request) => {
        const view = readPrompt(request);
        const understanding = understand(view.input, readMemory(view), nowOf(request));
        const wrong = mistakeOf('understander', request) ? corruptEntity(understanding, mistakes.uniform('understander', transcript(request), 'entity')) : understanding;
        return JSON.stringify(wrong);
      },
      planner: (request) => {
        const view = readPrompt(request);
        const understanding = jsonLine<Understanding>(view.input, 'Understanding') ?? { intents: ['clarify'], entities: {}, state: {}, outOfScope: false };
        const offered = offeredTools(view);
        return plan(understanding, readMemory(view), mistakeOf('planner', request), refusedByRule(view.input), offered && new Set(offered));
      },
      evaluator: (request) => {
        const view = readPrompt(request);
        return JSON.stringify(review(labelled(view.input, 'Customer'), view.input.slice(view.input.indexOf('Plan:\n') + 6), nowOf(request)));
      },
      explainer: (request) => {
        const view = readPrompt(request);
        const results = jsonLine(view.input, 'Results') ?? {};
        const mistake = mistakeOf('explainer', request);
        return explain(results, mistake, Math.floor(mistakes.uniform('explainer', transcript(request), 'salt') * 1000));
      },
    },
    'reference-policy',
  );
}
