import { LOTS, WEEKDAYS } from '@distillery/dealership';
import type { MistakeKind } from './mistakes.js';

type Json = Record<string, unknown>;
interface ToolFailure {
  readonly code: string;
  readonly message: string;
}

const money = (value: unknown) => `$${Number(value).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
const lotName = (id: unknown) => LOTS.find((lot) => lot.id === id)?.name ?? String(id);
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-28T11:00` → `Saturday Nov 28 at 11:00`. */
export function spokenSlot(slot: unknown): string {
  const text = String(slot);
  const day = new Date(`${text.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return text;
  const when = `${DAYS[day.getUTCDay()]} ${MONTHS[day.getUTCMonth()]} ${day.getUTCDate()}`;
  return text.length > 10 ? `${when} at ${text.slice(11, 16)}` : when;
}

function vehicleLine(vehicle: Json): string {
  const reserved = vehicle.reserved ? ', currently reserved' : '';
  return `${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim} (${vehicle.fuel}, ${vehicle.colour}, ${Number(vehicle.mileage).toLocaleString('en-US')} mi${reserved}) for ${money(vehicle.price)} at ${lotName(vehicle.location)}, VIN ${vehicle.vin}`;
}

function failure(result: Json): ToolFailure | undefined {
  return result.ok === false ? (result.error as ToolFailure) : undefined;
}

function failed(what: string, error: ToolFailure): string {
  const messages: Record<string, string> = {
    NOT_FOUND: `I couldn't find that ${what}.`,
    VEHICLE_SOLD: `Unfortunately ${error.message}.`,
    ALREADY_RESERVED: `Sorry, ${error.message}.`,
    SLOT_TAKEN: `Sorry, ${error.message}.`,
    CREDIT_TIER_REQUIRED: 'To estimate payments I need to know your credit: excellent, good, fair or poor?',
  };
  return messages[error.code] ?? `I couldn't complete the ${what}: ${error.message}.`;
}

/** What a failed call was for, by the variable the plan kept its result in. */
const LABELS: Readonly<Record<string, string>> = {
  search: 'search', vehicle: 'vehicle', booking: 'test drive booking', slots: 'availability check', drives: 'lookup of your test drives', cancelled: 'cancellation',
  financing: 'financing estimate', tradeIn: 'trade-in appraisal', reservation: 'reservation', info: 'dealership information', handOff: 'hand-off',
};

/**
 * One sentence (or a few) per tool result the plan returned, in the plan's order, chosen by the
 * result's shape — so a plan that called the wrong tool gets the wrong tool's result explained.
 */
const EXPLAIN: ReadonlyArray<readonly [(result: Json) => boolean, (result: Json, all: Json) => string]> = [
  [(result) => Array.isArray(result.vehicles), (result) => {
    const vehicles = result.vehicles as Json[];
    if (!vehicles.length) return "I couldn't find any vehicles matching that right now; would you like to widen the search?";
    const shown = vehicles.map((vehicle, index) => `${index + 1}) ${vehicleLine(vehicle)}`).join('; ');
    return `I found ${result.total} matching vehicle${result.total === 1 ? '' : 's'}${Number(result.total) > vehicles.length ? `; here are ${vehicles.length}` : ''}: ${shown}.`;
  }],
  [(result) => typeof result.vehicle === 'object' && result.vehicle !== null, (result) => {
    const vehicle = result.vehicle as Json;
    if (vehicle.status === 'sold') return `The ${vehicle.year} ${vehicle.make} ${vehicle.model} (VIN ${vehicle.vin}) has been sold.`;
    const features = (vehicle.features as string[] | undefined) ?? [];
    return `Here are the details: ${vehicleLine(vehicle)}.${features.length ? ` Features: ${features.join(', ')}.` : ''}`;
  }],
  [(result) => typeof result.testDrive === 'object', (result) => {
    const drive = result.testDrive as Json;
    return `You're booked for a test drive of the ${drive.vehicle} on ${spokenSlot(drive.slot)} at our ${lotName(drive.location)} lot (confirmation ${drive.id}).`;
  }],
  [(result) => Array.isArray(result.slots), (result) => {
    const slots = result.slots as string[];
    return slots.length ? `On ${spokenSlot(result.date)} the vehicle is free at ${slots.map((slot) => slot.slice(11)).join(', ')}; which time suits you?` : `There are no free test-drive times on ${spokenSlot(result.date)}${result.note ? ` (${result.note})` : ''}; would another day work?`;
  }],
  [(result) => Array.isArray(result.testDrives), (result, all) => {
    const drives = result.testDrives as Json[];
    if (!drives.length) return "You don't have any upcoming test drives.";
    if (Object.values(all).some((value) => typeof (value as Json | null)?.cancelled === 'object')) return '';
    const listed = drives.map((drive) => `the ${drive.vehicle} on ${spokenSlot(drive.slot)} at ${lotName(drive.location)} (${drive.id}${drive.sold ? ', though that vehicle has since been sold' : ''})`).join('; ');
    return `Your upcoming test drive${drives.length === 1 ? ' is' : 's are'}: ${listed}.`;
  }],
  [(result) => typeof result.cancelled === 'object', (result) => `Your test drive on ${spokenSlot((result.cancelled as Json).slot)} is cancelled (${(result.cancelled as Json).id}).`],
  [(result) => typeof result.monthlyPayment === 'number', (result) =>
    `With ${money(result.downPayment)} down on ${money(result.price)} over ${result.termMonths} months at ${result.apr}% APR (${result.creditTier} credit), the payment would be about ${money(result.monthlyPayment)} a month, ${money(result.totalCost)} in total; this is an estimate, not a credit decision.`],
  [(result) => typeof result.offer === 'object', (result) => {
    const basis = result.basis as Json;
    const offer = result.offer as Json;
    return `For your ${basis.year} ${basis.make} ${basis.model} with ${Number(basis.mileage).toLocaleString('en-US')} miles in ${basis.condition} condition we could offer between ${money(offer.low)} and ${money(offer.high)}, subject to an inspection.`;
  }],
  [(result) => typeof result.reservation === 'object', (result) => {
    const reservation = result.reservation as Json;
    return `The ${reservation.vehicle} (VIN ${reservation.vin}) is reserved for you with a ${money(reservation.deposit)} deposit until ${spokenSlot(reservation.expiresAt)} (reservation ${reservation.id}).`;
  }],
  [(result) => Array.isArray(result.locations), (result) => {
    const locations = result.locations as Json[];
    const hours = locations[0]?.hours as Record<string, { open: string; close: string }> | undefined;
    const open = WEEKDAYS.filter((day) => hours?.[day]).map((day) => `${day} ${hours![day]!.open}-${hours![day]!.close}`).join(', ');
    return `${locations.map((lot) => `${lot.name}: ${lot.address}, ${lot.phone}`).join('; ')}. Opening hours: ${open}; closed on other days.`;
  }],
  [(result) => typeof result.ticket === 'string', (result) => `I've asked a member of our sales team to contact you (ticket ${result.ticket}).`],
  [(result) => typeof result.customer === 'object', (result) => {
    const customer = result.customer as Json;
    return customer.known ? `We have you on file as ${customer.name}${customer.creditTier ? ` with ${customer.creditTier} credit` : ''}${customer.licenceOnFile ? ' and your licence on file' : ', without a licence on file'}.` : "We don't have a profile on file for you yet.";
  }],
];

/** The sentence for one tool result; a failure is worded by what the call was for. */
function explainResult(key: string, result: Json, all: Json): string {
  const error = failure(result);
  if (error) {
    if (key.startsWith('booking')) {
      const alternatives = Object.entries(all).find(([name]) => name.startsWith('alternatives'))?.[1] as Json | null | undefined;
      const slots = (alternatives?.slots as string[] | undefined) ?? [];
      const offer = slots.length ? ` Free times that day: ${slots.map((slot) => slot.slice(11)).join(', ')}.` : alternatives?.ok ? ' There are no free times left that day.' : '';
      return `${failed('test drive booking', error)}${offer}`;
    }
    return failed(LABELS[key.replace(/\d+$/, '')] ?? 'request', error);
  }
  return EXPLAIN.find(([matches]) => matches(result))?.[1](result, all) ?? '';
}

const FLAGS: Readonly<Record<string, string>> = {
  greeting: 'Hello! I can help you find a vehicle, book a test drive, estimate financing, appraise a trade-in or reserve a car. What are you looking for?',
  goodbye: 'Thanks for chatting with us. Have a great day!',
  acknowledge: 'Happy to help. Is there anything else I can do for you?',
  clarify: "Sorry, I didn't quite catch that. Are you looking for a vehicle, a test drive, financing, a trade-in or our opening hours?",
  outOfScope: "I can only help with our vehicles and dealership services: finding a car, test drives, financing, trade-ins and reservations.",
};

/** What a switched-off tool would have done, for telling the customer it is not available. */
const SERVICES: Readonly<Record<string, string>> = {
  searchInventory: 'inventory searches', getVehicle: 'vehicle details', availableSlots: 'test-drive times', scheduleTestDrive: 'test-drive bookings', listTestDrives: 'test-drive lookups',
  cancelTestDrive: 'test-drive cancellations', customerProfile: 'customer records', estimateFinancing: 'financing estimates', appraiseTradeIn: 'trade-in appraisals',
  reserveVehicle: 'reservations', dealershipInfo: 'lot details',
};

/** The reference Explainer: a faithful, single-line reply from the plan's results. */
export function explain(results: Json, mistake?: MistakeKind, salt = 0): string {
  if (results.error && !('intents' in results)) return "I'm sorry, something went wrong while I was looking that up. Could you try again, or shall I ask a salesperson to contact you?";
  const sentences: string[] = [];
  const unavailable = results.unavailable as string[] | undefined;
  if (unavailable?.length) sentences.push(`I'm sorry, ${unavailable.map((tool) => SERVICES[tool] ?? tool).join(' and ')} are not available right now.`);
  for (const [key, value] of Object.entries(results)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && !key.startsWith('alternatives')) sentences.push(explainResult(key, value as Json, results));
    else if (FLAGS[key] && value === true && !(key === 'outOfScope' && sentences.length)) sentences.push(FLAGS[key]);
  }
  const rules = results.rules as string[] | undefined;
  if (rules?.length) sentences.push(`I can't do that as asked: ${rules.join('; ')}.`);
  const needs = results.needs as string[] | undefined;
  if (needs?.length) sentences.push(`Could you tell me ${needs.join(' and ')}?`);
  const reply = sentences.filter(Boolean).join(' ') || FLAGS.clarify!;
  return mistake ? misexplain(reply, results, mistake, salt) : reply;
}

const INVENTED = [
  { year: 2025, make: 'Toyota', model: 'Supra', trim: 'GR', price: 52_900 },
  { year: 2024, make: 'Porsche', model: 'Macan', trim: 'S', price: 61_500 },
  { year: 2025, make: 'Honda', model: 'Prelude', trim: 'Touring', price: 38_900 },
];

/** The reference Explainer's deliberate mistakes: a vehicle that was not found, or a reply the results do not support. */
function misexplain(reply: string, results: Json, mistake: MistakeKind, salt: number): string {
  if (mistake === 'invented-vehicle') {
    const fake = INVENTED[salt % INVENTED.length]!;
    return `${reply} We also have a ${fake.year} ${fake.make} ${fake.model} ${fake.trim} for ${money(fake.price)} that would suit you.`;
  }
  if (mistake !== 'unfaithful-explanation') return reply;
  const amount = /\$(\d[\d,]*(?:\.\d+)?)/.exec(reply);
  if (amount) return reply.replace(amount[0], money(Math.round(Number(amount[1]!.replace(/,/g, '')) * 0.8)));
  if (Object.values(results).some((value) => failure((value ?? {}) as Json))) return `${reply} Good news though: it's all confirmed for you.`;
  return `${reply} Everything is booked and confirmed.`;
}
