import type { AgentsClient, SendMessageResponse__Output } from '@distillery/proto';
import { DEFAULT_CUSTOMER_COUNT, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles } from '../domain/dealership-seed.js';
import { LOTS } from '../domain/vehicle-catalog.js';
import { parseDate } from '../reference/understander.policy.js';

/** One customer message and the tools the turn must call, in order, every call succeeding. */
export interface ScriptedTurn {
  readonly say: string;
  readonly tools: readonly string[];
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
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
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
    const weekday = WEEKDAYS[index % WEEKDAYS.length]!;
    const hour = 10 + (Math.floor(index / WEEKDAYS.length) % 6);
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

/**
 * Plays scripted conversations through the gRPC API (one session each, `concurrency` at a time),
 * then checks every turn's trace. The traces are read after the last turn, not between turns, so
 * a benchmark's turns are timed as a product app sends them, without a trace read beside each.
 */
export async function runScriptedConversations(
  client: AgentsClient,
  conversations: readonly ScriptedConversation[],
  options: { concurrency?: number; source?: 'PRODUCTION' | 'SIMULATION' } = {},
): Promise<ScriptedTurnResult[]> {
  const played: Array<{ conversation: string; sessionId: string; turn: ScriptedTurn; reply: SendMessageResponse__Output; latencyMs: number }> = [];
  const queue = [...conversations];
  const worker = async () => {
    for (let conversation = queue.shift(); conversation; conversation = queue.shift()) {
      const session = await client.createSession({ customerRef: conversation.customerRef, locale: 'en-US', source: options.source ?? 'SIMULATION', campaignId: 'scripted-regression' });
      for (const turn of conversation.turns) {
        const started = performance.now();
        const reply = await client.sendMessage({ sessionId: session.sessionId, text: turn.say });
        played.push({ conversation: conversation.name, sessionId: session.sessionId, turn, reply, latencyMs: performance.now() - started });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  const results: ScriptedTurnResult[] = [];
  for (const { conversation, sessionId, turn, reply, latencyMs } of played) {
    const trace = await client.getTurnTrace(sessionId, reply.turnId);
    const tools = trace.toolCalls.map((call) => call.tool);
    const problems: string[] = [];
    if (tools.join(',') !== turn.tools.join(',')) problems.push(`tools [${tools.join(', ')}], expected [${turn.tools.join(', ')}]`);
    for (const call of trace.toolCalls.filter((candidate) => !candidate.ok)) problems.push(`${call.tool} failed: ${call.error || call.resultJson}`);
    if (trace.replans > 0) problems.push(`${trace.replans} replans`);
    if (!trace.planCode) problems.push('no valid plan (fallback)');
    results.push({
      conversation,
      say: turn.say,
      reply: reply.reply,
      latencyMs,
      serverMs: reply.latencyMs,
      tools,
      planCode: trace.planCode,
      problems,
      modelMs: trace.calls.reduce((sum, call) => sum + call.latencyMs, 0),
      toolMs: trace.toolCalls.reduce((sum, call) => sum + call.latencyMs, 0),
      replans: trace.replans,
    });
  }
  return results;
}
