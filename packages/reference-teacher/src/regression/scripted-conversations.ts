import { DEFAULT_CUSTOMER_COUNT, DEFAULT_RULES, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles, LOTS, offeredTools, readPrompt, TOOL_ARGS, WEEKDAYS } from '@distillery/dealership';
import { parseTranscript } from '@distillery/llm';
import type { AgentsClient, BusinessChange, SendMessageResponse__Output, TurnTrace__Output } from '@distillery/proto';
import { parseDate } from '../understander.policy.js';

/** One customer message and the tools the turn must call, in order, every call succeeding unless `failures` says otherwise. */
export interface ScriptedTurn {
  readonly say: string;
  readonly tools: readonly string[];
  /** Business changes applied just before the message is sent (a vehicle sold, a rule patched, a tool switched off or on). */
  readonly before?: readonly BusinessChange[];
  /** Tool calls that must fail, by tool, with their error code (e.g. a vehicle sold since the last turn). */
  readonly failures?: Readonly<Record<string, string>>;
  /** Replans the turn must take (the Evaluator refusing a business rule); none unless said. */
  readonly replans?: number;
  /** The exact arguments of the turn's calls, by tool. */
  readonly args?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** What the reply must say. */
  readonly replyIncludes?: readonly string[];
}

/** What a conversation must leave in the dealership's database. */
export type ScriptedEffect =
  | { readonly kind: 'test-drive'; readonly vin: string; readonly slot: string; readonly status: 'scheduled' | 'cancelled' }
  | { readonly kind: 'reservation'; readonly vin: string; readonly deposit: number };

export interface ScriptedConversation {
  readonly name: string;
  readonly customerRef: string;
  readonly turns: readonly ScriptedTurn[];
  readonly effect?: ScriptedEffect;
  /** Business changes that undo the conversation's own, applied after its last turn. */
  readonly after?: readonly BusinessChange[];
}

const WORKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
const spokenHour = (hour: number) => (hour === 12 ? 'noon' : hour < 12 ? `${hour}am` : `${hour - 12}pm`);
const plural = (body: string) => (body === 'suv' ? 'SUVs' : `${body}s`);
const TRADE_INS = [
  ['2016', 'honda civic', '85,000', 'good'],
  ['2014', 'nissan altima', '120k', 'fair'],
  ['2019', 'toyota rav4', '40,000', 'excellent'],
  ['2012', 'ford escape', '150,000', 'poor'],
  ['2018', 'mazda cx-5', '62k', 'good'],
] as const;

/**
 * A regression set for the reference teacher at error rate 0: `count` conversations over the
 * dealership of `seed` (freshly seeded), covering every tool — searching, details, test drives
 * (booked, listed, cancelled, from free slots), financing, trade-ins, reservations, opening hours,
 * hand-offs and a two-intent turn — each with the tools it must call and the effect it must leave.
 * Dates are relative to `now`, always on weekdays within the booking horizon.
 */
export function scriptedConversations(options: { seed: number; now: Date; count?: number }): ScriptedConversation[] {
  const vehicles = generateVehicles(options.seed, DEFAULT_VEHICLE_COUNT).filter((vehicle) => vehicle.status === 'available' && vehicle.price >= 9_000);
  const customers = generateCustomers(options.seed, DEFAULT_CUSTOMER_COUNT).filter((customer) => customer.licenceOnFile && customer.creditTier);
  let bookings = 0;
  const nextSlot = () => {
    const index = bookings++;
    const weekday = WORKDAYS[index % WORKDAYS.length]!;
    const hour = 10 + (Math.floor(index / WORKDAYS.length) % 6);
    return { weekday, hour, slot: `${parseDate(weekday, options.now)}T${String(hour).padStart(2, '0')}:00` };
  };
  const conversations: ScriptedConversation[] = [];
  for (let index = 0; index < (options.count ?? 50); index++) {
    const vehicle = vehicles[(index * 7) % vehicles.length]!;
    const customerRef = customers[index % customers.length]!.id;
    const name = `${String(index + 1).padStart(2, '0')}`;
    const vin = vehicle.vin;
    switch (index % 10) {
      case 0:
        conversations.push({
          name: `${name} browse`,
          customerRef,
          turns: [
            { say: 'hi there', tools: [] },
            { say: `any ${vehicle.fuel} ${plural(vehicle.body)} under ${Math.ceil(vehicle.price / 1000) + 2}k?`, tools: ['searchInventory'] },
            { say: 'tell me more about the first one', tools: ['getVehicle'] },
            { say: 'thanks, bye', tools: [] },
          ],
        });
        break;
      case 1: {
        const { weekday, hour, slot } = nextSlot();
        const cancelLater = index % 20 === 1;
        conversations.push({
          name: `${name} details then test drive`,
          customerRef,
          turns: [
            { say: `tell me about VIN ${vin}`, tools: ['getVehicle'] },
            { say: `can I test drive it on ${weekday} at ${spokenHour(hour)}?`, tools: ['scheduleTestDrive'] },
            { say: 'what test drives do I have?', tools: ['listTestDrives'] },
            // Every other one cancels later, when no confirmation number is in the last reply: the plan looks the drive up first.
            ...(cancelLater ? [{ say: 'great, thanks', tools: [] }, { say: 'hmm, please cancel my test drive', tools: ['listTestDrives', 'cancelTestDrive'] }] : []),
          ],
          effect: { kind: 'test-drive', vin, slot, status: cancelLater ? 'cancelled' : 'scheduled' },
        });
        break;
      }
      case 2:
        conversations.push({
          name: `${name} financing`,
          customerRef,
          turns: [
            { say: `any ${vehicle.make} ${vehicle.model} in stock?`, tools: ['searchInventory'] },
            { say: `what would the payments be on VIN ${vin} over ${[36, 48, 60][index % 3]} months with $${Math.ceil((vehicle.price * 0.25) / 100) * 100} down?`, tools: ['estimateFinancing'] },
          ],
        });
        break;
      case 3: {
        const [year, car, miles, condition] = TRADE_INS[Math.floor(index / 10) % TRADE_INS.length]!;
        conversations.push({
          name: `${name} trade-in`,
          customerRef,
          turns: [
            { say: `I'd like to trade in my ${year} ${car} with ${miles} miles in ${condition} condition`, tools: ['appraiseTradeIn'] },
            { say: 'ok thanks', tools: [] },
          ],
        });
        break;
      }
      case 4: {
        const deposit = 500 + 250 * (Math.floor(index / 10) % 3);
        conversations.push({
          name: `${name} reservation`,
          customerRef,
          turns: [
            { say: `is VIN ${vin} still available?`, tools: ['getVehicle'] },
            { say: `please reserve it with a $${deposit} deposit`, tools: ['reserveVehicle'] },
          ],
          effect: { kind: 'reservation', vin, deposit },
        });
        break;
      }
      case 5:
        conversations.push({
          name: `${name} opening hours`,
          customerRef,
          turns: [
            { say: 'what are your opening hours?', tools: ['dealershipInfo'] },
            { say: `where is your ${LOTS[index % LOTS.length]!.name.toLowerCase()} location?`, tools: ['dealershipInfo'] },
          ],
        });
        break;
      case 6: {
        const { weekday, hour, slot } = nextSlot();
        conversations.push({
          name: `${name} book then cancel`,
          customerRef,
          turns: [
            { say: `I want to book a test drive of VIN ${vin} for ${weekday} at ${spokenHour(hour)}`, tools: ['scheduleTestDrive'] },
            // The confirmation number is in the last reply, so the Understander cancels it directly.
            { say: 'actually, please cancel my test drive', tools: ['cancelTestDrive'] },
          ],
          effect: { kind: 'test-drive', vin, slot, status: 'cancelled' },
        });
        break;
      }
      case 7:
        conversations.push({ name: `${name} hand-off`, customerRef, turns: [{ say: 'I have a question about warranty coverage, can I talk to a salesperson?', tools: ['handOffToHuman'] }] });
        break;
      case 8:
        conversations.push({
          name: `${name} two intents`,
          customerRef,
          turns: [{ say: `what are your hours, and what's the financing on VIN ${vin} over 48 months?`, tools: ['estimateFinancing', 'dealershipInfo'] }],
        });
        break;
      default: {
        const { hour, slot } = nextSlot();
        conversations.push({
          name: `${name} free slots then booking`,
          customerRef,
          turns: [
            { say: `when can I test drive VIN ${vin} on ${slot.slice(0, 10)}?`, tools: ['availableSlots'] },
            { say: `I'll take the test drive at ${spokenHour(hour)}`, tools: ['scheduleTestDrive'] },
          ],
          effect: { kind: 'test-drive', vin, slot, status: 'scheduled' },
        });
      }
    }
  }
  return conversations;
}

const DAY_MS = 86_400_000;
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
/** The weekday of a `YYYY-MM-DD` date: its index, from Sunday (as in the rules' WEEKDAYS). */
const weekdayIndex = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const sell = (vin: string, sold = true): BusinessChange => ({ vehicleStatus: { vin, sold } });
const patch = (rules: unknown): BusinessChange => ({ rulesPatch: { mergePatchJson: JSON.stringify(rules) } });
const tool = (name: string, available: boolean): BusinessChange => ({ toolAvailability: { tool: name, available } });

/**
 * A whole-hour UTC offset that puts the dealership's date one day off UTC's at `now`, its local
 * time at least an hour from midnight: the evening before (UTC mornings) or the small hours of
 * the day after (UTC afternoons).
 */
export function offsetAcrossMidnight(now: Date): number {
  const hour = now.getUTCHours();
  return (hour < 11 ? Math.max(-12, -hour - 6) : Math.min(14, 30 - hour)) * 60;
}

/**
 * Conversations with the business changing between their turns — a vehicle sold and back on
 * sale, rules patched, a tool switched off and on, the dealership's time zone moved — each with
 * what the teacher must make of it (the defects of issue 11, 7–10): every prompt offers the tools
 * in force; an ordinal picks from the last listing even turns later; a vehicle sold since the
 * last turn is reported by every tool bound to it; "tomorrow" is the dealership's tomorrow. They
 * change what every session sees, so they are played one at a time (by an admin tenant), each
 * undoing its changes after its last turn. Over the freshly seeded dealership of `seed`.
 */
export function switchConversations(options: { seed: number; now: Date }): ScriptedConversation[] {
  const vehicles = generateVehicles(options.seed, DEFAULT_VEHICLE_COUNT).filter((vehicle) => vehicle.status === 'available' && vehicle.price >= 9_000);
  const customers = generateCustomers(options.seed, DEFAULT_CUSTOMER_COUNT).filter((customer) => customer.licenceOnFile && customer.creditTier);
  // The trucks a search lists, as searchInventory orders them: cheapest first, then newest, then by VIN.
  const trucks = vehicles.filter((vehicle) => vehicle.body === 'truck').sort((a, b) => a.price - b.price || b.year - a.year || (a.vin < b.vin ? -1 : 1));
  const [firstTruck, secondTruck] = [trucks[0]!, trucks[1]!];
  const others = vehicles.filter((vehicle) => vehicle.body !== 'truck');
  const wednesday = parseDate('wednesday', options.now)!;

  const offset = offsetAcrossMidnight(options.now);
  const localNow = new Date(options.now.getTime() + offset * 60_000);
  const [tomorrow, dayAfter] = [isoDay(new Date(localNow.getTime() + DAY_MS)), isoDay(new Date(localNow.getTime() + 2 * DAY_MS))];
  // Open every day but the dealership's tomorrow, so only the dealership's own calendar refuses it.
  const hoursWithoutTomorrow = Object.fromEntries(WEEKDAYS.map((day, index) => [day, index === weekdayIndex(tomorrow) ? null : { open: '08:00', close: '20:00' }]));
  const seededHours = Object.fromEntries(WEEKDAYS.map((day) => [day, DEFAULT_RULES.hours[day] ?? null]));

  return [
    {
      name: 'S1 a listed truck sold: financing reports it, the second one of the listing is booked',
      customerRef: customers[0]!.id,
      turns: [
        { say: `any trucks under ${Math.ceil(trucks[2]!.price / 1000) + 1}k?`, tools: ['searchInventory'] },
        { say: 'tell me more about the first one', tools: ['getVehicle'], args: { getVehicle: { vin: firstTruck.vin } } },
        { say: 'what would the payments be on it over 48 months?', before: [sell(firstTruck.vin)], tools: ['estimateFinancing'], failures: { estimateFinancing: 'VEHICLE_SOLD' }, replyIncludes: ['has been sold'] },
        {
          say: "oh no. then I'd like to test drive the second one from that list instead, on wednesday at 11am",
          tools: ['scheduleTestDrive'],
          args: { scheduleTestDrive: { vin: secondTruck.vin, slot: `${wednesday}T11:00` } },
        },
      ],
      effect: { kind: 'test-drive', vin: secondTruck.vin, slot: `${wednesday}T11:00`, status: 'scheduled' },
      after: [sell(firstTruck.vin, false)],
    },
    {
      name: 'S2 a tool switched off, then back on',
      customerRef: customers[1]!.id,
      turns: [
        { say: 'hello there', tools: [] },
        { say: "I'd like to trade in my 2016 honda civic with 85,000 miles in good condition", before: [tool('appraiseTradeIn', false)], tools: ['handOffToHuman'], replyIncludes: ['not available right now'] },
        {
          say: 'can you appraise my 2016 honda civic with 85,000 miles in good condition now?',
          before: [tool('appraiseTradeIn', true)],
          tools: ['appraiseTradeIn'],
          args: { appraiseTradeIn: { make: 'Honda', model: 'Civic', year: 2016, mileage: 85_000, condition: 'good' } },
        },
      ],
    },
    {
      name: 'S3 the time zone moved: tomorrow is the dealership\'s tomorrow, and it is closed',
      customerRef: customers[2]!.id,
      turns: [
        {
          say: `can I test drive VIN ${others[0]!.vin} tomorrow at 11am?`,
          before: [patch({ utcOffsetMinutes: offset, hours: hoursWithoutTomorrow })],
          tools: [],
          replans: 1,
          replyIncludes: [`closed on ${WEEKDAYS[weekdayIndex(tomorrow)]} (${tomorrow})`],
        },
        { say: `ok, can I test drive it on ${DAY_NAMES[weekdayIndex(dayAfter)]} at 11am instead?`, tools: ['scheduleTestDrive'], args: { scheduleTestDrive: { vin: others[0]!.vin, slot: `${dayAfter}T11:00` } } },
      ],
      effect: { kind: 'test-drive', vin: others[0]!.vin, slot: `${dayAfter}T11:00`, status: 'scheduled' },
      after: [patch({ utcOffsetMinutes: DEFAULT_RULES.utcOffsetMinutes, hours: seededHours })],
    },
    {
      name: 'S4 the minimum deposit raised between turns',
      customerRef: customers[3]!.id,
      turns: [
        { say: `is VIN ${others[1]!.vin} still available?`, tools: ['getVehicle'] },
        { say: 'please reserve it with a $500 deposit', before: [patch({ reservations: { minDeposit: 1_000 } })], tools: [], replans: 1, replyIncludes: ['at least $1000'] },
        { say: 'ok, reserve it with a $1000 deposit then', tools: ['reserveVehicle'], args: { reserveVehicle: { vin: others[1]!.vin, deposit: 1_000 } } },
      ],
      effect: { kind: 'reservation', vin: others[1]!.vin, deposit: 1_000 },
      after: [patch({ reservations: { minDeposit: DEFAULT_RULES.reservations.minDeposit } })],
    },
    {
      name: 'S5 a vehicle sold, then back on sale',
      customerRef: customers[4]!.id,
      turns: [
        { say: `is VIN ${others[2]!.vin} still available?`, before: [sell(others[2]!.vin)], tools: ['getVehicle'], replyIncludes: ['has been sold'] },
        { say: 'I heard it is back on sale, please reserve it', before: [sell(others[2]!.vin, false)], tools: ['reserveVehicle'], args: { reserveVehicle: { vin: others[2]!.vin } } },
      ],
      effect: { kind: 'reservation', vin: others[2]!.vin, deposit: DEFAULT_RULES.reservations.minDeposit },
    },
  ];
}

/**
 * Messages whose words are valid as written but lie one slip from a word the Understander knows
 * (issue 11, defect 11: "model" is not "modely", "month" not "months", "while" not "white",
 * "couple" not "coupe"), next to a real typo it must still repair.
 */
export function typoConversations(options: { seed: number }): ScriptedConversation[] {
  const vehicles = generateVehicles(options.seed, DEFAULT_VEHICLE_COUNT).filter((vehicle) => vehicle.status === 'available' && vehicle.price >= 9_000);
  const customers = generateCustomers(options.seed, DEFAULT_CUSTOMER_COUNT).filter((customer) => customer.licenceOnFile && customer.creditTier);
  const vin = vehicles[3]!.vin;
  return [
    {
      name: 'T1 valid words left alone, a typo repaired',
      customerRef: customers[5]!.id,
      turns: [
        { say: 'do you have a tesla model 3?', tools: ['searchInventory'], args: { searchInventory: { make: 'Tesla', model: 'Model 3', limit: 5 } } },
        { say: "while I'm here, do you have a couple of sedans under 30k?", tools: ['searchInventory'], args: { searchInventory: { body: 'sedan', maxPrice: 30_000, limit: 5 } } },
        { say: 'any hybird sedans under 30k?', tools: ['searchInventory'], args: { searchInventory: { body: 'sedan', fuel: 'hybrid', maxPrice: 30_000, limit: 5 } } },
      ],
    },
    {
      name: 'T2 "per month" is financing',
      customerRef: customers[6]!.id,
      turns: [
        { say: `tell me about VIN ${vin}`, tools: ['getVehicle'] },
        { say: 'what would I pay per month over 36 months?', tools: ['estimateFinancing'], args: { estimateFinancing: { vin, termMonths: 36 } } },
      ],
    },
  ];
}

/** How one scripted turn went through the API. */
export interface ScriptedTurnResult {
  readonly conversation: string;
  readonly say: string;
  readonly reply: string;
  /** Round trip seen by the client. */
  readonly latencyMs: number;
  /** The turn's time inside the service, as it reports it. */
  readonly serverMs: number;
  readonly tools: string[];
  readonly planCode: string;
  /** What differed from the script: wrong tools, a failed tool call, a replan, the fallback. */
  readonly problems: string[];
  readonly modelMs: number;
  /** Time inside the dealership's tools (their own queries), as the trace records it. */
  readonly toolMs: number;
  readonly replans: number;
}

/** The tools an agent's recorded prompt offers (none for the Explainer). */
function offeredIn(prompt: string): string[] | undefined {
  const messages = parseTranscript(prompt);
  return messages ? offeredTools(readPrompt({ role: 'planner', messages })) : undefined;
}

/** The tools in force under the rules a business change answered with. */
function toolsInForce(rulesJson: string): string[] {
  const off = new Set((JSON.parse(rulesJson) as { unavailableTools?: string[] }).unavailableTools ?? []);
  return ALL_TOOLS.filter((tool) => !off.has(tool));
}

const ALL_TOOLS = Object.keys(TOOL_ARGS);

/** What differs between a played turn's trace and its script. */
function turnProblems(turn: ScriptedTurn, trace: TurnTrace__Output, reply: string, inForce: readonly string[]): string[] {
  const tools = trace.toolCalls.map((call) => call.tool);
  const problems: string[] = [];
  if (tools.join(',') !== turn.tools.join(',')) problems.push(`tools [${tools.join(', ')}], expected [${turn.tools.join(', ')}]`);
  for (const call of trace.toolCalls) {
    const code = call.ok ? undefined : ((JSON.parse(call.resultJson || '{}') as { error?: { code?: string } }).error?.code ?? 'failed');
    const expected = turn.failures?.[call.tool];
    if (code !== expected) problems.push(code ? `${call.tool} failed: ${call.error || call.resultJson}` : `${call.tool} succeeded, expected ${expected}`);
    const args = turn.args?.[call.tool];
    if (args && call.argsJson !== JSON.stringify(args)) problems.push(`${call.tool}(${call.argsJson}), expected ${JSON.stringify(args)}`);
  }
  if (trace.replans !== (turn.replans ?? 0)) problems.push(`${trace.replans} replans, expected ${turn.replans ?? 0}`);
  if (!trace.planCode) problems.push('no valid plan (fallback)');
  for (const words of turn.replyIncludes ?? []) if (!reply.includes(words)) problems.push(`the reply does not say «${words}»`);
  // Every prompt of the turn offers the tools in force, no more and no fewer: a prompt is training data.
  for (const call of trace.calls) {
    const offered = offeredIn(call.prompt);
    if (offered && offered.join(',') !== inForce.join(',')) problems.push(`the ${call.agent} prompt (attempt ${call.attempt}) offers [${offered.join(', ')}], in force [${inForce.join(', ')}]`);
  }
  return problems;
}

/**
 * Plays scripted conversations through the gRPC API (one session each, `concurrency` at a time),
 * then checks every turn's trace. The traces are read after the last turn, not between turns, so
 * a benchmark's turns are timed as a product app sends them, without a trace read beside each.
 * Business changes of a turn are applied through DealershipAdminService (the client's tenant must
 * be an admin tenant) right before its message; they reach every session, so conversations that
 * make them are played one at a time.
 */
export async function runScriptedConversations(
  client: AgentsClient,
  conversations: readonly ScriptedConversation[],
  options: { concurrency?: number; source?: 'PRODUCTION' | 'SIMULATION' } = {},
): Promise<ScriptedTurnResult[]> {
  const played: Array<{ conversation: string; sessionId: string; turn: ScriptedTurn; reply: SendMessageResponse__Output; latencyMs: number; inForce: readonly string[] }> = [];
  const unplayed: ScriptedTurnResult[] = [];
  const queue = [...conversations];
  let inForce: readonly string[] = ALL_TOOLS;
  const apply = async (changes: readonly BusinessChange[] | undefined, reason: string) => {
    for (const change of changes ?? []) inForce = toolsInForce((await client.applyBusinessChange({ ...change, reason })).rulesJson);
  };
  const worker = async () => {
    for (let conversation = queue.shift(); conversation; conversation = queue.shift()) {
      const session = await client.createSession({ customerRef: conversation.customerRef, locale: 'en-US', source: options.source ?? 'SIMULATION', campaignId: 'scripted-regression' });
      let ended = false;
      for (const turn of conversation.turns) {
        if (ended) {
          unplayed.push({ conversation: conversation.name, say: turn.say, reply: '', latencyMs: 0, serverMs: 0, tools: [], planCode: '', problems: ['not played: the session had ended'], modelMs: 0, toolMs: 0, replans: 0 });
          continue;
        }
        await apply(turn.before, `scripted regression: ${conversation.name}`);
        const started = performance.now();
        const reply = await client.sendMessage({ sessionId: session.sessionId, text: turn.say });
        played.push({ conversation: conversation.name, sessionId: session.sessionId, turn, reply, latencyMs: performance.now() - started, inForce });
        ended = reply.ended;
      }
      await apply(conversation.after, `scripted regression: undo ${conversation.name}`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  const results: ScriptedTurnResult[] = [];
  for (const { conversation, sessionId, turn, reply, latencyMs, inForce: offered } of played) {
    const trace = await client.getTurnTrace(sessionId, reply.turnId);
    results.push({
      conversation,
      say: turn.say,
      reply: reply.reply,
      latencyMs,
      serverMs: reply.latencyMs,
      tools: trace.toolCalls.map((call) => call.tool),
      planCode: trace.planCode,
      problems: turnProblems(turn, trace, reply.reply, offered),
      modelMs: trace.calls.reduce((sum, call) => sum + call.latencyMs, 0),
      toolMs: trace.toolCalls.reduce((sum, call) => sum + call.latencyMs, 0),
      replans: trace.replans,
    });
  }
  return [...results, ...unplayed];
}
