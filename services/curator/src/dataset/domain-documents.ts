import { CREDIT_TIERS, type DealershipRules, DEFAULT_VEHICLE_COUNT, generateVehicles, LOTS, MODELS, renderRules, TOOL_ARGS, TOOL_DOCS, type ToolName, WEEKDAYS } from '@distillery/dealership';
import { z } from 'zod';

/** A domain document for continual pretraining: its text, and the context C_x (title, source, metadata) kept apart. */
export interface DomainDocument {
  readonly id: string;
  /** vehicle, model, lot, policy, faq, tool or conversation. */
  readonly kind: string;
  readonly text: string;
  readonly context: string;
}

/** C_x as one line: `title: … | source: … | key: value …`. */
export function renderContext(title: string, source: string, metadata: Readonly<Record<string, string | number>> = {}): string {
  return [`title: ${title}`, `source: ${source}`, ...Object.entries(metadata).map(([key, value]) => `${key}: ${value}`)].join(' | ');
}

const DAY_NAMES: Readonly<Record<(typeof WEEKDAYS)[number], string>> = { sun: 'Sunday', mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday' };
const money = (amount: number) => `$${amount.toLocaleString('en-US')}`;

function hoursText(rules: DealershipRules): string {
  return WEEKDAYS.map((day) => `${DAY_NAMES[day]} ${rules.hours[day] ? `${rules.hours[day]!.open}–${rules.hours[day]!.close}` : 'closed'}`).join(', ');
}

/** The inventory of the dealership's seed, one document a vehicle: what the agents' tools would return about it, in prose. */
export function vehicleDocuments(dealershipSeed: number, count = DEFAULT_VEHICLE_COUNT): DomainDocument[] {
  return generateVehicles(dealershipSeed, count).map((vehicle) => {
    const lot = LOTS.find((entry) => entry.id === vehicle.location);
    const name = `${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim}`;
    const features = vehicle.features.length ? `Features: ${vehicle.features.join(', ')}.` : 'No optional features.';
    const status = vehicle.status === 'sold' ? 'It has been sold.' : 'It is available for test drives and reservations.';
    return {
      id: `vehicle:${vehicle.vin}`,
      kind: 'vehicle',
      text: `The ${name} (VIN ${vehicle.vin}) is a ${vehicle.colour} ${vehicle.fuel} ${vehicle.body} with ${vehicle.mileage.toLocaleString('en-US')} miles, priced at ${money(vehicle.price)}. ${features} It is on the ${lot?.name ?? vehicle.location} lot${lot ? ` at ${lot.address}` : ''}. ${status}`,
      context: renderContext(name, `dealership inventory (seed ${dealershipSeed})`, { vin: vehicle.vin, lot: vehicle.location, status: vehicle.status }),
    };
  });
}

/** The catalog the inventory is drawn from, one document a model. */
export function modelDocuments(): DomainDocument[] {
  return MODELS.map((spec) => ({
    id: `model:${spec.make}-${spec.model}`.replaceAll(' ', '-'),
    kind: 'model',
    text: `The ${spec.make} ${spec.model} is a ${spec.body} sold as ${spec.fuels.join(', ')}; the base trim starts at ${money(spec.basePrice)} new, and Sport, Touring and Limited trims cost more.${spec.aliases?.length ? ` Customers also write it as ${spec.aliases.join(', ')}.` : ''}`,
    context: renderContext(`${spec.make} ${spec.model}`, 'vehicle catalog', { make: spec.make, body: spec.body }),
  }));
}

/** The lots: addresses, phones, opening hours. */
export function lotDocuments(rules: DealershipRules): DomainDocument[] {
  return LOTS.map((lot) => ({
    id: `lot:${lot.id}`,
    kind: 'lot',
    text: `The ${lot.name} lot is at ${lot.address}, phone ${lot.phone}. Opening hours: ${hoursText(rules)}.`,
    context: renderContext(`${lot.name} lot`, 'dealership locations', { lot: lot.id }),
  }));
}

/** The business rules, one document a policy: the same words the agents' prompts carry. */
export function policyDocuments(rules: DealershipRules): DomainDocument[] {
  return renderRules(rules)
    .split(/\n(?=- )/)
    .map((policy, index) => {
      const text = policy.replace(/^- /, '');
      const title = /^[^:(.]+/.exec(text)?.[0]?.trim() ?? `Policy ${index + 1}`;
      return { id: `policy:${index + 1}`, kind: 'policy', text, context: renderContext(title, 'dealership policies') };
    });
}

/** The tools as the Planner knows them: what each does, its arguments, what it returns. */
export function toolDocuments(): DomainDocument[] {
  return (Object.keys(TOOL_DOCS) as ToolName[]).map((name) => ({
    id: `tool:${name}`,
    kind: 'tool',
    text: `${name}(args): ${TOOL_DOCS[name].description} Arguments (JSON Schema): ${JSON.stringify(z.toJSONSchema(TOOL_ARGS[name]))}. Returns ${TOOL_DOCS[name].returns}.`,
    context: renderContext(`The ${name} tool`, 'dealership tool reference'),
  }));
}

/** Questions customers ask, answered from the rules in force (so they change when the rules do). */
export function faqDocuments(rules: DealershipRules): DomainDocument[] {
  const faqs: Array<[string, string]> = [];
  const t = rules.testDrives;
  for (const day of WEEKDAYS) {
    const hours = rules.hours[day];
    faqs.push([`Are you open on ${DAY_NAMES[day]}?`, hours ? `Yes: every lot is open ${hours.open}–${hours.close} on ${DAY_NAMES[day]}s.` : `No, all lots are closed on ${DAY_NAMES[day]}s.`]);
  }
  faqs.push(
    ['How far ahead can I book a test drive?', `At least ${t.leadTimeHours} hours ahead and at most ${t.horizonDays} days ahead. Test drives last one hour and start on the hour, inside opening hours.`],
    ['How many test drives can I have booked?', `Up to ${t.maxUpcomingPerCustomer} upcoming test drives per customer, and each lot takes at most ${t.slotsPerDayPerLocation} test drives a day.`],
    ['Do I need my licence for a test drive?', t.licenceRequired ? 'Yes, your driving licence must be on file before a test drive; bring it to the lot or send it to a salesperson.' : 'No licence needs to be on file.'],
    ['What financing terms do you offer?', `${rules.financing.termsMonths.join(', ')} months, with at least ${money(rules.financing.minAmountFinanced)} financed. Which terms you can get depends on your credit tier.`],
    ['How much do I have to finance at least?', `At least ${money(rules.financing.minAmountFinanced)}; a larger down payment that leaves less than that cannot be financed.`],
    ['Do you take old cars in trade?', `We take vehicles up to ${rules.tradeIn.maxAgeYears} years old. The offer depends on age, mileage and condition, and is a range of ±${Math.round(rules.tradeIn.offerSpread * 100)}%.`],
    ['How do I reserve a car?', `A deposit of at least ${money(rules.reservations.minDeposit)} holds an available vehicle for ${rules.reservations.holdHours} hours; you can hold ${rules.reservations.maxActivePerCustomer} vehicle at a time.`],
    ['Can I reserve a car someone else reserved?', 'No: sold vehicles and vehicles under an active reservation cannot be reserved.'],
    ['Can I talk to a person?', 'Yes, any time: the assistant hands the conversation to a salesperson, who contacts you.'],
  );
  for (const tier of CREDIT_TIERS) {
    const terms = rules.financing.tiers[tier];
    const offered = Object.entries(terms.aprByTerm).map(([term, apr]) => `${term} months at ${apr}% APR`);
    const missing = rules.financing.termsMonths.filter((term) => terms.aprByTerm[term] === undefined);
    faqs.push([
      `What can I get with ${tier} credit?`,
      `With ${tier} credit the down payment is at least ${Math.round(terms.minDownShare * 100)}% of the price, and the terms are ${offered.join(', ')}.${missing.length ? ` ${missing.join(' and ')}-month terms are not offered to ${tier} credit.` : ''}`,
    ]);
  }
  return faqs.map(([question, answer], index) => ({ id: `faq:${index + 1}`, kind: 'faq', text: `Q: ${question}\nA: ${answer}`, context: renderContext(question, 'dealership FAQ') }));
}

/** Every document about the dealership itself: inventory, catalog, lots, policies, tools, FAQ. */
export function dealershipDocuments(rules: DealershipRules, dealershipSeed: number): DomainDocument[] {
  return [...vehicleDocuments(dealershipSeed), ...modelDocuments(), ...lotDocuments(rules), ...policyDocuments(rules), ...toolDocuments(), ...faqDocuments(rules)];
}
