import { describe, expect, it } from 'vitest';
import type { CampaignRequest } from '../campaigns/campaign-spec.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import type { Goal, Persona, PersonaMoves, PersonaStyle, PlannedSwitch } from '../persona/persona.js';
import { PersonaGenerator } from '../persona/persona-generator.js';
import { INJECTION_MARKERS } from '../persona/utterances.js';
import { ReferenceCustomer, referenceSimulator } from './reference-customer.js';
import type { AgentReply, SimulatedCustomer, SimulatorAction } from './user-simulator.js';

const VINS = ['1HGCM82633A004352', '2T1BURHE5JC123456', '5YJ3E1EA7KF317000'];
const GREETING = 'Hello! I can help you find a vehicle, book a test drive, estimate financing, appraise a trade-in or reserve a car. What are you looking for?';
const CLARIFY = "Sorry, I didn't quite catch that. Are you looking for a vehicle, a test drive, financing, a trade-in or our opening hours?";
const OUT_OF_SCOPE = 'I can only help with our vehicles and dealership services: finding a car, test drives, financing, trade-ins and reservations.';
const HOURS = 'Downtown: 120 Main Street, +1 555 0100. Opening hours: mon 09:00-19:00, tue 09:00-19:00, wed 09:00-19:00, thu 09:00-19:00, fri 09:00-19:00, sat 10:00-16:00; closed on other days.';
const HANDED_OFF = "I've asked a member of our sales team to contact you (ticket hand_1).";
const GOODBYE = 'Thanks for chatting with us. Have a great day!';

function vehicleLine(vin: string, year: number, fuel: string, price: number): string {
  return `${year} Toyota RAV4 Base (${fuel}, gray, 12,000 mi) for $${price.toLocaleString('en-US')} at Downtown, VIN ${vin}`;
}

/** Two vehicles that fit what the customer asked for: its budget, fuel and year, read from the words. */
function listingFor(text: string): string {
  const budget = /(\d+)k\b/.exec(text) ?? /\$([\d,]+)/.exec(text);
  const amount = budget ? (budget[0].endsWith('k') ? Number(budget[1]) * 1000 : Number(budget[1]!.replace(/,/g, ''))) : 30_000;
  const fuel = /plug-in/.test(text) ? 'plug-in hybrid' : (/\b(hybrid|electric)\b/.exec(text)?.[1] ?? 'gas');
  const year = Number(/(20\d\d)/.exec(text)?.[1] ?? 2022) + 1;
  const cars = [vehicleLine(VINS[0]!, year, fuel, amount - 2_000), vehicleLine(VINS[1]!, year, fuel, amount - 1_000)];
  return `I found 2 matching vehicles: ${cars.map((car, index) => `${index + 1}) ${car}`).join('; ')}.`;
}

/**
 * A dealership that answers each request the way the agents word a success: deterministic, so a
 * persona's transcript against it is too.
 */
function helpfulDealer(text: string): AgentReply {
  // Two requests at once (the hours on the side): both answered.
  const rest = text.replace(/^what are your opening hours, and /, '').replace(/ — also, what are your hours\??$/, '');
  if (rest !== text) return { text: `${HOURS} ${helpfulDealer(rest).text}`, ended: false };
  const said = text.toLowerCase();
  const vin = /\b[A-HJ-NPR-Z0-9]{17}\b/i.exec(text)?.[0]?.toUpperCase() ?? VINS[0]!;
  const reply = (line: string): AgentReply => ({ text: line, ended: false });
  if (INJECTION_MARKERS.test(text)) return reply(OUT_OF_SCOPE);
  if (/salesperson|real person|someone/.test(said)) return reply(HANDED_OFF);
  if (/cancel|call off/.test(said)) return reply('Your test drive on Monday Nov 30 at 10:00 is cancelled (td_abc123).');
  if (/test drive|the drive|test-drive/.test(said)) return reply("You're booked for a test drive of the 2023 Toyota RAV4 on Monday Nov 30 at 10:00 at our Downtown lot (confirmation td_abc123).");
  if (/month|financing|payment/.test(said)) return reply('With $3,000 down on $25,000 over 60 months at 6.9% APR (good credit), the payment would be about $435 a month, $26,100 in total; this is an estimate, not a credit decision.');
  if (/trade|apprais|worth/.test(said)) return reply('For your 2015 Honda Civic with 120,000 miles in fair condition we could offer between $6,000 and $7,400, subject to an inspection.');
  if (/reserve|deposit|hold/.test(said)) return reply(`The 2023 Toyota RAV4 (VIN ${vin}) is reserved for you with a $500 deposit until Saturday Nov 28 at 18:00 (reservation res_1).`);
  if (/hours|open|location|address/.test(said)) return reply(HOURS);
  if (/vin|more about|details|the (first|second) one|interesting|sound of/.test(said)) return reply(`Here are the details: ${vehicleLine(vin, 2023, 'hybrid', 25_000)}. Features: sunroof.`);
  if (/under|below|budget|looking for|shopping|any |show me|have you got/.test(said)) return reply(listingFor(text));
  if (/^(hi|hello|hey|good morning)/.test(said)) return reply(GREETING);
  if (/weather|poem|bitcoin|lasagna|joke|movie/.test(said)) return reply(OUT_OF_SCOPE);
  return reply(CLARIFY);
}

/** Plays the customer against `dealer` until it exits (or `limit` utterances): every action, in order. */
async function converse(customer: SimulatedCustomer, dealer: (text: string, turn: number) => AgentReply = helpfulDealer, limit = 30): Promise<SimulatorAction[]> {
  const actions: SimulatorAction[] = [];
  let reply: AgentReply | undefined;
  for (let turn = 1; turn <= limit; turn++) {
    const action = await customer.next(reply);
    actions.push(action);
    if (action.kind === 'exit') return actions;
    reply = dealer(action.text, turn);
  }
  return actions;
}

const said = (actions: readonly SimulatorAction[]) => actions.flatMap((action) => (action.kind === 'say' ? [action.text] : []));
const exitOf = (actions: readonly SimulatorAction[]) => {
  const last = actions.at(-1);
  return last?.kind === 'exit' ? { reason: last.reason, ...(last.detail ? { detail: last.detail } : {}) } : undefined;
};
const switchesOf = (actions: readonly SimulatorAction[]) => actions.flatMap((action, index) => (action.kind === 'say' && action.switch ? [{ turn: index + 1, ...action.switch }] : []));

const SUV = { body: 'suv', fuel: 'hybrid', maxPrice: 30_000 };

function personaWith(goal: Partial<Goal> & Pick<Goal, 'kind'>, options: { style?: Partial<PersonaStyle>; moves?: Partial<PersonaMoves>; switch?: PlannedSwitch; seed?: number } = {}): Persona {
  return {
    index: 0,
    seed: options.seed ?? 1234,
    customerRef: 'cust_0001',
    name: 'Rosa Garcia',
    creditTier: 'good',
    licenceOnFile: true,
    topic: 'a family SUV with room for everyone',
    goal: { description: `a ${goal.kind} goal`, ...goal },
    style: { typoRate: 0, indirect: false, chatty: false, patience: 3, ...options.style },
    moves: { changeOfMind: false, multiIntent: false, outOfScope: false, injection: false, ...options.moves },
    ...(options.switch ? { switch: options.switch } : {}),
  };
}

function generated(request: Partial<CampaignRequest>, count: number): Persona[] {
  const spec = resolveCampaignSpec({ campaignId: 'reference', count, ...request }, { policy: 'reference', dealershipSeed: 11 });
  const generator = new PersonaGenerator(spec);
  return Array.from({ length: count }, (_, index) => generator.persona(index));
}

describe('ReferenceCustomer: goals reached', () => {
  it('plays the same transcript for the same persona and replies, and another for another seed', async () => {
    const persona = personaWith({ kind: 'test_drive', criteria: SUV, day: 'monday', hour: 10 }, { style: { chatty: true, typoRate: 0.3 }, moves: { multiIntent: true, outOfScope: true } });
    const first = await converse(new ReferenceCustomer(persona));
    expect(await converse(new ReferenceCustomer(persona))).toEqual(first);
    expect(said(await converse(new ReferenceCustomer({ ...persona, seed: 99 })))).not.toEqual(said(first));
    expect(exitOf(first)).toEqual({ reason: 'goal_reached' });
  });

  it('makes its one-off moves once each on the way: greeting, two requests at once, an out-of-scope question, thanks', async () => {
    const persona = personaWith({ kind: 'test_drive', criteria: SUV, day: 'monday', hour: 10 }, { style: { chatty: true }, moves: { multiIntent: true, outOfScope: true } });
    const texts = said(await converse(new ReferenceCustomer(persona)));
    expect(texts).toHaveLength(5);
    expect(texts[0]).toMatch(/^(hi|hello|hey|good morning)/i);
    expect(texts.filter((text) => /hours/.test(text))).toEqual([expect.stringMatching(/under 30k/)]);
    expect(texts.filter((text) => /weather|poem|bitcoin|lasagna|joke|movie/.test(text))).toHaveLength(1);
    expect(texts.filter((text) => /test drive/.test(text))).toHaveLength(1);
    expect(texts[4]).toMatch(/thank|that's all|all i needed/i);
  });

  it.each([
    ['opening_hours', { kind: 'opening_hours' }, 1],
    ['hand_off', { kind: 'hand_off', handOffTopic: 'a lease buyout' }, 1],
    ['trade_in', { kind: 'trade_in', tradeIn: { year: 2015, make: 'Honda', model: 'Civic', mileage: 120_000, condition: 'fair' } }, 1],
    ['browse', { kind: 'browse', criteria: SUV }, 2],
    ['browse with a known VIN', { kind: 'browse', criteria: SUV, knownVin: VINS[2] }, 1],
    ['test_drive', { kind: 'test_drive', criteria: SUV, day: 'tuesday', hour: 15 }, 2],
    ['financing', { kind: 'financing', criteria: SUV, termMonths: 60, downPayment: 3_000 }, 2],
    ['reservation', { kind: 'reservation', criteria: SUV, deposit: 500 }, 2],
    ['reservation with a known VIN', { kind: 'reservation', criteria: SUV, knownVin: VINS[2], deposit: 500 }, 2],
    ['cancel_test_drive', { kind: 'cancel_test_drive', criteria: SUV, day: 'friday', hour: 11 }, 3],
  ] as const)('reaches a %s goal: the expected requests, then EXIT goal_reached', async (_name, goal, requests) => {
    const actions = await converse(new ReferenceCustomer(personaWith(goal)));
    expect(said(actions)).toHaveLength(requests);
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });

  it('greets first and thanks last when chatty, exiting after the thanks is answered', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'opening_hours' }, { style: { chatty: true } })));
    expect(said(actions)).toEqual([expect.stringMatching(/^(hi|hello|hey|good morning)/i), expect.stringMatching(/open|hours|close/i), expect.stringMatching(/thank|that's all|all i needed/i)]);
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });

  it('names the vehicle it picked from the listing when it makes its request', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'test_drive', criteria: SUV, day: 'wednesday', hour: 14 })));
    expect(said(actions)[1]).toMatch(new RegExp(`(the (first|second) one|VIN (${VINS[0]}|${VINS[1]})).*wednesday at (2pm|14:00)`, 'i'));
  });

  it('exits goal_reached when the agents say goodbye after its goal', async () => {
    const customer = new ReferenceCustomer(personaWith({ kind: 'opening_hours' }, { style: { chatty: true } }));
    const actions = await converse(customer, (text, turn) => (turn === 3 ? { text: GOODBYE, ended: true } : helpfulDealer(text)));
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });
});

describe('ReferenceCustomer: unhelpful replies and endings', () => {
  it.each([1, 2, 5])('gives up after patience + 1 unhelpful replies (patience %i)', async (patience) => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'trade_in', tradeIn: { year: 2015, make: 'Honda', model: 'Civic', mileage: 120_000, condition: 'fair' } }, { style: { patience } })), () => ({
      text: CLARIFY,
      ended: false,
    }));
    expect(said(actions)).toHaveLength(patience + 1);
    expect(exitOf(actions)).toEqual({ reason: 'gave_up', detail: `${patience + 1} unhelpful replies` });
  });

  it('drops the indirect wording once a reply did not help', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'hand_off', handOffTopic: 'a lease buyout' }, { style: { indirect: true, patience: 1 } })), () => ({ text: CLARIFY, ended: false }));
    expect(said(actions)).toEqual([expect.stringMatching(/complicated|someone real/), expect.stringMatching(/salesperson|speak to someone/)]);
  });

  it('exits handed_off when the agents hand it to a person before its goal', async () => {
    const handOff = "I'm sorry, I couldn't complete that request. I've asked a member of our sales team to follow up with you.";
    const persona = personaWith({ kind: 'test_drive', criteria: SUV, day: 'monday', hour: 10 });
    const actions = await converse(new ReferenceCustomer(persona), (text, turn) => (turn === 2 ? { text: handOff, ended: false } : helpfulDealer(text)));
    expect(said(actions)).toHaveLength(2);
    expect(exitOf(actions)).toEqual({ reason: 'handed_off' });
    const closed = await converse(new ReferenceCustomer(persona), (text, turn) => (turn === 2 ? { text: handOff, ended: true } : helpfulDealer(text)));
    expect(exitOf(closed)).toEqual({ reason: 'handed_off' });
  });

  it('exits gave_up when the agents end the conversation before its goal without a goodbye', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'financing', criteria: SUV, termMonths: 48 })), () => ({ text: CLARIFY, ended: true }));
    expect(exitOf(actions)).toEqual({ reason: 'gave_up' });
  });

  it('gives up on a rule it cannot meet, naming it', async () => {
    const persona = personaWith({ kind: 'test_drive', criteria: SUV, day: 'monday', hour: 10 });
    const licence = await converse(new ReferenceCustomer(persona), (text, turn) =>
      turn === 2 ? { text: "I couldn't complete the test drive booking: a driving licence must be on file before a test drive.", ended: false } : helpfulDealer(text),
    );
    expect(exitOf(licence)).toEqual({ reason: 'gave_up', detail: 'no driving licence on file for a test drive' });
    const old = await converse(new ReferenceCustomer(personaWith({ kind: 'trade_in', tradeIn: { year: 2010, make: 'Ford', model: 'Focus', mileage: 150_000, condition: 'poor' } })), () => ({
      text: "I couldn't complete the trade-in appraisal: vehicles older than 8 years are not taken in trade.",
      ended: false,
    }));
    expect(exitOf(old)).toEqual({ reason: 'gave_up', detail: 'the trade-in is older than 8 years' });
  });
});

describe('ReferenceCustomer: adapting to the dealership', () => {
  it('takes one of the free times offered instead of a taken slot', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'test_drive', criteria: SUV, day: 'thursday', hour: 10 })), (text, turn) =>
      turn === 2 ? { text: 'Sorry, that slot is already taken. Free times that day: 13:00, 16:00.', ended: false } : helpfulDealer(text),
    );
    expect(said(actions)[2]).toMatch(/thursday/);
    expect(said(actions)[2]).toMatch(/\b(1pm|13:00|4pm|16:00)\b/);
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });

  it('raises its deposit to the minimum the reply names', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'reservation', criteria: SUV, deposit: 500 })), (text, turn) =>
      turn === 2 ? { text: "I couldn't complete the reservation: the deposit must be at least $1000.", ended: false } : helpfulDealer(text),
    );
    expect(said(actions)[1]).toMatch(/\$500/);
    expect(said(actions)[2]).toMatch(/\$1,000/);
  });

  it('moves to a 60-month term when its term is not offered, and answers a question about its credit', async () => {
    const term = await converse(new ReferenceCustomer(personaWith({ kind: 'financing', criteria: SUV, termMonths: 72 })), (text, turn) =>
      turn === 2 ? { text: "I couldn't complete the financing estimate: a 72-month term is not offered to poor credit (offered: 24, 36, 48, 60 months).", ended: false } : helpfulDealer(text),
    );
    expect([said(term)[1], said(term)[2]]).toEqual([expect.stringMatching(/72 months/), expect.stringMatching(/60 months/)]);
    const credit = await converse(new ReferenceCustomer({ ...personaWith({ kind: 'financing', criteria: SUV, termMonths: 48 }), creditTier: 'fair' }), (text, turn) =>
      turn === 2 ? { text: 'To estimate payments I need to know your credit: excellent, good, fair or poor?', ended: false } : helpfulDealer(text),
    );
    expect(said(credit)[2]).toMatch(/fair credit/);
    expect(exitOf(credit)).toEqual({ reason: 'goal_reached' });
  });

  it('turns to another listed vehicle, by its VIN, when its pick is sold', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'reservation', criteria: SUV, deposit: 750 })), (text, turn) =>
      turn === 2 ? { text: `The 2023 Toyota RAV4 (VIN ${/[A-HJ-NPR-Z0-9]{17}/.exec(text)?.[0] ?? VINS[0]}) has been sold.`, ended: false } : helpfulDealer(text),
    );
    const third = said(actions)[2]!;
    const vins = VINS.slice(0, 2).filter((vin) => third.includes(vin));
    expect(vins).toHaveLength(1);
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });

  it('changes its mind once after the first results, with a new search', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'browse', criteria: SUV }, { moves: { changeOfMind: true } })));
    expect(said(actions)).toHaveLength(3);
    expect(said(actions)[1]).toMatch(/actually|second thought|changed my mind/i);
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });
});

describe('ReferenceCustomer: traits at their rates', () => {
  it('writes typos at about the persona typo rate, never in an injection attempt', async () => {
    const base = generated({ intentMix: { opening_hours: 1, hand_off: 1, trade_in: 1 }, switchRate: 0, personaTraits: { typoRate: 0, chattyRate: 0 } }, 800);
    const firstOf = async (persona: Persona, typoRate: number) => said(await converse(new ReferenceCustomer({ ...persona, style: { ...persona.style, typoRate } }), helpfulDealer, 1))[0]!;
    const clean = await Promise.all(base.map((persona) => firstOf(persona, 0)));
    const rates = new Map<number, number>();
    for (const rate of [0.3, 1]) {
      const typed = await Promise.all(base.map((persona) => firstOf(persona, rate)));
      rates.set(rate, typed.filter((text, index) => text !== clean[index]).length / typed.length);
    }
    // A slip can leave a word as it was (two equal letters swapped), so the share is a little under the rate.
    expect(rates.get(0.3)).toBeGreaterThan(0.22);
    expect(rates.get(0.3)).toBeLessThan(0.34);
    expect(rates.get(1)).toBeGreaterThan(0.85);
    const injected = generated({ injectionRate: 1, personaTraits: { typoRate: 1 } }, 100);
    const attempts = (await Promise.all(injected.map((persona) => converse(new ReferenceCustomer(persona))))).flatMap(said).filter((text) => INJECTION_MARKERS.test(text));
    expect(attempts).toHaveLength(100);
  });

  it('words the request indirectly exactly for the indirect personas', async () => {
    const list = generated({ intentMix: { hand_off: 1 }, switchRate: 0, injectionRate: 0, personaTraits: { typoRate: 0, chattyRate: 0, indirectRate: 0.4, multiIntentRate: 0, outOfScopeRate: 0 } }, 500);
    const firsts = await Promise.all(list.map(async (persona) => said(await converse(new ReferenceCustomer(persona), helpfulDealer, 1))[0]!));
    const indirect = firsts.map((text) => /complicated|someone real/.test(text));
    expect(indirect).toEqual(list.map((persona) => persona.style.indirect));
    expect(Math.abs(indirect.filter(Boolean).length / list.length - 0.4)).toBeLessThan(0.06);
  });

  it('tries a prompt injection in about injectionRate of the conversations, at most once in each', async () => {
    const list = generated({ injectionRate: 0.25, switchRate: 0 }, 400);
    const transcripts = await Promise.all(list.map(async (persona) => said(await converse(new ReferenceCustomer(persona)))));
    const attempts = transcripts.map((texts) => texts.filter((text) => INJECTION_MARKERS.test(text)).length);
    expect(Math.max(...attempts)).toBe(1);
    expect(attempts.map((count) => count === 1)).toEqual(list.map((persona) => persona.moves.injection));
    expect(Math.abs(attempts.filter(Boolean).length / list.length - 0.25)).toBeLessThan(0.06);
  });
});

describe('ReferenceCustomer: business switches', () => {
  it('brings a rule change with its first main request, once', async () => {
    const actions = await converse(
      new ReferenceCustomer(personaWith({ kind: 'financing', criteria: SUV, termMonths: 72 }, { switch: { kind: 'rule_change', rule: 'shorter_terms', atTurn: 2 } })),
    );
    // The greeting opens (the switch must land mid-conversation), the search finds the car, the financing request brings the switch.
    expect(switchesOf(actions)).toEqual([{ turn: 3, kind: 'rule_change', rule: 'shorter_terms' }]);
    expect(said(actions)[2]).toMatch(/72 months/);
  });

  it('switches the tool off with the first utterance and back on with the request that needs it', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'browse', criteria: SUV }, { switch: { kind: 'tool_added', tool: 'getVehicle', atTurn: 2 } })));
    expect(switchesOf(actions)).toEqual([
      { turn: 1, kind: 'tool_removed', tool: 'getVehicle' },
      { turn: 3, kind: 'tool_added', tool: 'getVehicle' },
    ]);
    expect(exitOf(actions)).toEqual({ reason: 'goal_reached' });
  });

  it('sells the vehicle it picked right before asking for it', async () => {
    const actions = await converse(new ReferenceCustomer(personaWith({ kind: 'reservation', criteria: SUV, deposit: 500 }, { switch: { kind: 'vehicle_sold', atTurn: 2 } })));
    const [sold] = switchesOf(actions);
    expect(sold).toEqual({ turn: 3, kind: 'vehicle_sold', vin: expect.stringMatching(new RegExp(`^(${VINS[0]}|${VINS[1]})$`)) as unknown });
  });

  it('never brings a switch with its first utterance (but the tool removal), and each step at most once', async () => {
    const list = generated({ switchRate: 1 }, 300);
    const played = await Promise.all(list.map(async (persona) => ({ persona, actions: await converse(referenceSimulator.open(persona, resolveCampaignSpec({ count: 1 }, { policy: 'reference', dealershipSeed: 11 }))) })));
    const early = played.filter(({ actions }) => switchesOf(actions).some((step) => step.turn === 1 && step.kind !== 'tool_removed'));
    expect(early).toEqual([]);
    const repeated = played.filter(({ actions }) => new Set(switchesOf(actions).map((step) => step.kind)).size !== switchesOf(actions).length);
    expect(repeated).toEqual([]);
    const removedFirst = played.filter(({ persona }) => persona.switch?.kind === 'tool_added').map(({ actions }) => switchesOf(actions)[0]);
    expect(removedFirst.every((step) => step?.turn === 1 && step.kind === 'tool_removed')).toBe(true);
    // Against a helpful dealership, every switched persona gets to its main request, and to its goal.
    const reached = played.filter(({ actions }) => exitOf(actions)?.reason === 'goal_reached').length;
    expect(reached / played.length).toBeGreaterThan(0.9);
  });
});
