import { DEFAULT_CUSTOMER_COUNT, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles, LOTS, type VehicleEntity } from '@distillery/dealership';
import type { GoalKind } from '../campaigns/campaign-spec.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import { PersonaGenerator } from '../persona/persona-generator.js';
import type { Persona } from '../persona/persona.js';
import { plural, spokenHour } from '../persona/phrasing.js';
import { Draws, mixSeed } from '../persona/seeded.js';
import type { GoalCheck, StressScenario, StressSwitch, StressTurn } from './stress-scenario.js';
import { stressRule } from './stress-rules.js';

/**
 * Stress personas are drawn at indices from 10^9 on. A training campaign draws the personas of
 * indices 0 … count-1 with count ≤ 100,000 (campaignSpecSchema), so whatever its seed, no training
 * conversation ever has a stress persona: the two seed spaces (seed, index) are disjoint.
 */
export const STRESS_PERSONA_BASE = 1_000_000_000;
export const STRESS_TURNS = 10;

export interface StressScenarioOptions {
  /** The stress set's seed (the persona campaign seed). */
  readonly seed: number;
  readonly count: number;
  /** The agents' dealership seed (DISTILLERY_AGENTS_SEED): the scenarios name its vehicles and customers. */
  readonly dealershipSeed: number;
  /** Turns per scenario, from the first (at most STRESS_TURNS, the default). */
  readonly turns?: number;
}

type Family = 'test_drive' | 'financing' | 'reservation' | 'browse' | 'trade_in' | 'opening_hours';
type Variant = 'vehicle_sold' | 'rule_change' | 'tool_off_on';

const FAMILY_OF_GOAL: Readonly<Record<GoalKind, Family>> = {
  browse: 'browse', test_drive: 'test_drive', cancel_test_drive: 'test_drive', financing: 'financing', trade_in: 'trade_in',
  reservation: 'reservation', opening_hours: 'opening_hours', hand_off: 'browse',
};
/** What each family can have switched under it; rules by name (stress-rules), tools by name. */
const SWITCHABLE: Readonly<Record<Family, { readonly variants: readonly Variant[]; readonly rules: readonly string[]; readonly tool: string }>> = {
  test_drive: { variants: ['vehicle_sold', 'rule_change', 'tool_off_on'], rules: ['saturday_closed', 'weekday_close_early'], tool: 'scheduleTestDrive' },
  financing: { variants: ['vehicle_sold', 'rule_change', 'tool_off_on'], rules: ['shorter_terms', 'min_down_raised'], tool: 'estimateFinancing' },
  reservation: { variants: ['vehicle_sold', 'rule_change', 'tool_off_on'], rules: ['deposit_raised'], tool: 'reserveVehicle' },
  browse: { variants: ['vehicle_sold', 'rule_change', 'tool_off_on'], rules: ['saturday_closed', 'weekday_close_early'], tool: 'getVehicle' },
  trade_in: { variants: ['rule_change', 'tool_off_on'], rules: ['trade_in_age'], tool: 'appraiseTradeIn' },
  opening_hours: { variants: ['vehicle_sold', 'rule_change', 'tool_off_on'], rules: ['saturday_closed', 'weekday_close_early'], tool: 'dealershipInfo' },
};
const VARIANT_ROTATION: readonly Variant[] = ['vehicle_sold', 'rule_change', 'tool_off_on'];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const;
const OLD_TRADE_INS = [[2012, 'honda civic'], [2014, 'nissan altima'], [2013, 'ford escape'], [2015, 'toyota camry']] as const;
const RECENT_TRADE_INS = [[2019, 'toyota rav4'], [2020, 'mazda cx-5'], [2021, 'honda accord'], [2022, 'subaru outback']] as const;
const CONDITIONS = ['excellent', 'good', 'fair'] as const;

const roundUp = (amount: number, step: number) => Math.ceil(amount / step) * step;

/** Turn builders: what the customer says (phrasing the simulator's reference customer uses) and what it must get. */
const say = {
  greet: (): Omit<StressTurn, 'turn' | 'before'> => ({ say: 'hi there', goal: [{ kind: 'answers' }, { kind: 'not_calls', tools: ['scheduleTestDrive', 'reserveVehicle', 'cancelTestDrive'] }] }),
  search: (vehicle: VehicleEntity) => ({
    say: `any ${vehicle.fuel === 'gas' ? '' : `${vehicle.fuel} `}${plural(vehicle.body)} under ${Math.ceil(vehicle.price / 1000) + 2}k?`,
    goal: [{ kind: 'calls', tool: 'searchInventory' }] as GoalCheck[],
  }),
  details: (vin: string) => ({ say: `tell me about VIN ${vin}`, goal: [{ kind: 'calls', tool: 'getVehicle', args: { vin } }] as GoalCheck[] }),
  available: (vin: string) => ({ say: `is VIN ${vin} still available?`, goal: [{ kind: 'calls', tool: 'getVehicle', args: { vin } }] as GoalCheck[] }),
  testDrive: (vin: string, day: string, hour: number) => ({
    say: `can I test drive VIN ${vin} on ${day} at ${spokenHour(hour)}?`,
    goal: [{ kind: 'calls', tool: 'scheduleTestDrive', args: { vin } }] as GoalCheck[],
  }),
  listDrives: () => ({ say: 'what test drives do I have?', goal: [{ kind: 'calls', tool: 'listTestDrives' }] as GoalCheck[] }),
  cancelDrive: () => ({ say: 'please cancel my test drive', goal: [{ kind: 'calls', tool: 'cancelTestDrive' }] as GoalCheck[] }),
  hours: () => ({ say: 'what are your opening hours?', goal: [{ kind: 'calls', tool: 'dealershipInfo' }] as GoalCheck[] }),
  location: (lot: string) => ({ say: `where is your ${lot.toLowerCase()} location?`, goal: [{ kind: 'calls', tool: 'dealershipInfo' }] as GoalCheck[] }),
  financing: (vin: string, months: number, down: number) => ({
    say: `what would the payments be on VIN ${vin} over ${months} months with $${down} down?`,
    goal: [{ kind: 'calls', tool: 'estimateFinancing', args: { vin, termMonths: months } }] as GoalCheck[],
  }),
  tradeIn: (year: number, car: string, miles: number, condition: string) => ({
    say: `I'd like to trade in my ${year} ${car} with ${miles.toLocaleString('en-US')} miles in ${condition} condition`,
    goal: [{ kind: 'calls', tool: 'appraiseTradeIn', args: { year } }] as GoalCheck[],
  }),
  reserve: (vin: string, deposit: number) => ({
    say: `please reserve VIN ${vin} with a $${deposit} deposit`,
    goal: [{ kind: 'calls', tool: 'reserveVehicle', args: { vin, deposit } }] as GoalCheck[],
  }),
  thanks: () => ({ say: 'ok thanks', goal: [{ kind: 'answers' }, { kind: 'not_calls', tools: ['scheduleTestDrive', 'reserveVehicle', 'cancelTestDrive'] }] as GoalCheck[] }),
  bye: () => ({ say: 'thanks, bye', goal: [{ kind: 'answers' }, { kind: 'not_calls', tools: ['scheduleTestDrive', 'reserveVehicle', 'cancelTestDrive'] }] as GoalCheck[] }),
  handOff: (topic: string) => ({ say: `I have a question about ${topic}, can I talk to a salesperson?`, goal: [{ kind: 'calls', tool: 'handOffToHuman' }] as GoalCheck[] }),
};

/** A turn whose request the business no longer allows: refused, in words that name why. */
const refused = (turn: { say: string }, tools: readonly string[], words: readonly string[], why: string, judgedOn: 'plan' | 'tool' = 'plan') => ({
  say: turn.say,
  goal: [{ kind: judgedOn === 'plan' ? 'not_calls' : 'no_success', tools }, { kind: 'says', anyOf: words, why }] as GoalCheck[],
});
const soldNews = (turn: { say: string }) => ({ say: turn.say, goal: [{ kind: 'says', anyOf: ['sold'], why: 'tells the customer the car has been sold' }] as GoalCheck[] });
const toolOff = (turn: { say: string }, tool: string) => refused(turn, [tool], ['not available'], `tells the customer ${tool} is not available`);

/**
 * The E2E stress test's scenarios: persona i of the set is the simulator's persona of index
 * STRESS_PERSONA_BASE + i under the stress seed (its goal, topic, vehicle criteria, day and hour,
 * trade-in, hand-off topic), played as ten turns in the phrasing of the simulator's reference
 * customer, with one or two business switches at fixed turns: a vehicle sold, a rule changed, a
 * tool switched off and back on. Switch kinds rotate over the set so every kind is in any dozen.
 * Every scenario has its own vehicles and customer, so scenarios can run side by side; the same
 * options always give equal scenarios.
 */
export function generateStressScenarios(options: StressScenarioOptions): StressScenario[] {
  if (options.turns !== undefined && (options.turns < 1 || options.turns > STRESS_TURNS)) throw new RangeError(`a stress scenario has 1 to ${STRESS_TURNS} turns, not ${options.turns}`);
  const spec = resolveCampaignSpec({ count: Math.max(1, Math.min(options.count, 100_000)), seed: options.seed, switchRate: 0, injectionRate: 0, campaignId: `stress_${options.seed}` }, { policy: 'reference', dealershipSeed: options.dealershipSeed });
  const personas = new PersonaGenerator(spec);
  const vehicles = generateVehicles(options.dealershipSeed, DEFAULT_VEHICLE_COUNT).filter((vehicle) => vehicle.status === 'available' && vehicle.price >= 9_000);
  const customers = generateCustomers(options.dealershipSeed, DEFAULT_CUSTOMER_COUNT).filter((customer) => customer.licenceOnFile && customer.creditTier);
  const usedVins = new Set<string>();
  const usedCustomers = new Set<string>();
  const takeVehicle = (wanted: (vehicle: VehicleEntity) => boolean, draws: Draws): VehicleEntity => {
    const free = vehicles.filter((vehicle) => !usedVins.has(vehicle.vin));
    const fitting = free.filter(wanted);
    const vehicle = draws.pick(fitting.length ? fitting : free.length ? free : vehicles);
    usedVins.add(vehicle.vin);
    return vehicle;
  };
  const scenarios: StressScenario[] = [];
  for (let index = 0; index < options.count; index++) {
    const persona = personas.persona(STRESS_PERSONA_BASE + index);
    const draws = new Draws(mixSeed(options.seed, STRESS_PERSONA_BASE + index, 0x57e5));
    const free = customers.filter((customer) => !usedCustomers.has(customer.id));
    const customer = free.find((candidate) => candidate.id === persona.customerRef) ?? (free.length ? draws.pick(free) : customers[index % customers.length]!);
    usedCustomers.add(customer.id);
    const family = FAMILY_OF_GOAL[persona.goal.kind];
    const { variants } = SWITCHABLE[family];
    const rotated = VARIANT_ROTATION[index % VARIANT_ROTATION.length]!;
    const variant = variants.includes(rotated) ? rotated : draws.pick(variants);
    const criteria = persona.goal.criteria;
    const target = takeVehicle((vehicle) => !criteria || (vehicle.body === criteria.body && (!criteria.fuel || vehicle.fuel === criteria.fuel) && vehicle.price <= criteria.maxPrice), draws);
    const other = takeVehicle((vehicle) => vehicle.body === target.body, draws);
    const turns = buildTurns(family, variant, persona, target, other, draws);
    scenarios.push({
      id: `stress-${options.seed}-${String(index + 1).padStart(3, '0')}`,
      personaIndex: STRESS_PERSONA_BASE + index,
      customerRef: customer.id,
      goal: persona.goal.kind,
      description: `${persona.goal.kind} (${variant.replace(/_/g, ' ')}): ${persona.goal.description}`,
      turns: turns.slice(0, options.turns ?? STRESS_TURNS).map((turn, position) => ({ turn: position + 1, say: turn.say, before: turn.before ?? [], goal: turn.goal })),
      vehicles: { [target.vin]: target.price, [other.vin]: other.price },
    });
  }
  return scenarios;
}

type Draft = Omit<StressTurn, 'turn' | 'before'> & { readonly before?: readonly StressSwitch[] };

function buildTurns(family: Family, variant: Variant, persona: Persona, target: VehicleEntity, other: VehicleEntity, draws: Draws): Draft[] {
  const goal = persona.goal;
  const day = goal.day && goal.day !== 'saturday' && goal.day !== 'sunday' ? goal.day : draws.pick(WEEKDAYS);
  const hour = Math.min(14, Math.max(10, goal.hour ?? draws.int(10, 14)));
  const lot = draws.pick(LOTS).name;
  const months = draws.pick([36, 48, 60]);
  const down = roundUp(target.price * 0.25, 100);
  const [recentYear, recentCar] = draws.pick(RECENT_TRADE_INS);
  const condition = draws.pick(CONDITIONS);
  const miles = (2026 - recentYear) * 11_000;
  const { rules, tool } = SWITCHABLE[family];
  const rule = rules.length ? draws.pick(rules) : undefined;
  const sold: StressSwitch = { kind: 'vehicle_sold', vin: target.vin };
  const off: StressSwitch = { kind: 'tool_off', tool };
  const on: StressSwitch = { kind: 'tool_on', tool };
  const ruleSwitch = (name: string): StressSwitch => ({ kind: 'rule_change', rule: name });
  const refusal = (name: string) => stressRule(name).refusalWords;
  // The opening hours change: asked right after, the reply gives only the hours in force, and a test drive outside them is refused.
  const hoursChanged = (): Draft[] => {
    const name = rule ?? 'saturday_closed';
    const drive = name === 'saturday_closed' ? say.testDrive(target.vin, 'saturday', 11) : say.testDrive(target.vin, day, 17);
    return [{ ...say.hours(), before: [ruleSwitch(name)] }, refused(drive, ['scheduleTestDrive'], refusal(name), `tells the customer the dealership is closed then (${stressRule(name).description})`)];
  };
  const ending = goal.kind === 'hand_off' ? say.handOff(goal.handOffTopic ?? 'warranty coverage') : say.bye();

  switch (family) {
    case 'test_drive': {
      const sameDrive = say.testDrive(target.vin, day, hour);
      const middle: Draft[] =
        variant === 'vehicle_sold'
          ? [{ ...soldNews(sameDrive), before: [sold] }, say.testDrive(other.vin, day, hour)]
          : variant === 'tool_off_on'
            ? [{ ...toolOff(sameDrive, tool), before: [off] }, { ...sameDrive, before: [on] }]
            : rule === 'saturday_closed'
              ? [{ ...refused(say.testDrive(target.vin, 'saturday', 11), ['scheduleTestDrive'], refusal('saturday_closed'), 'tells the customer Saturdays are closed'), before: [ruleSwitch('saturday_closed')] }, sameDrive]
              : [{ ...refused(say.testDrive(target.vin, day, 17), ['scheduleTestDrive'], refusal('weekday_close_early'), 'tells the customer the lot closes earlier'), before: [ruleSwitch('weekday_close_early')] }, sameDrive];
      return [say.greet(), say.search(target), say.details(target.vin), ...middle, say.listDrives(), say.hours(), variant === 'vehicle_sold' ? soldNews(say.available(target.vin)) : say.location(lot), say.cancelDrive(), ending];
    }
    case 'financing': {
      const ask = say.financing(target.vin, months, down);
      const middle: Draft[] =
        variant === 'vehicle_sold'
          ? [{ ...soldNews(ask), before: [sold] }, say.financing(other.vin, months, roundUp(other.price * 0.25, 100))]
          : variant === 'tool_off_on'
            ? [{ ...toolOff(ask, tool), before: [off] }, { ...ask, before: [on] }]
            : rule === 'shorter_terms'
              ? [{ ...refused(say.financing(target.vin, 72, down), ['estimateFinancing'], refusal('shorter_terms'), 'tells the customer terms over 60 months are withdrawn'), before: [ruleSwitch('shorter_terms')] }, ask]
              : [
                  { ...refused(say.financing(target.vin, months, roundUp(target.price * 0.1, 100)), ['estimateFinancing'], refusal('min_down_raised'), 'tells the customer a bigger down payment is needed', 'tool'), before: [ruleSwitch('min_down_raised')] },
                  say.financing(target.vin, months, roundUp(target.price * 0.35, 100)),
                ];
      return [say.greet(), say.search(target), say.details(target.vin), ...middle, say.hours(), say.location(lot), variant === 'vehicle_sold' ? soldNews(say.available(target.vin)) : say.available(target.vin), say.tradeIn(recentYear, recentCar, miles, condition), ending];
    }
    case 'reservation': {
      const deposit = draws.pick([500, 750]);
      const ask = say.reserve(target.vin, deposit);
      const middle: Draft[] =
        variant === 'vehicle_sold'
          ? [{ ...soldNews(ask), before: [sold] }, say.reserve(other.vin, deposit)]
          : variant === 'tool_off_on'
            ? [{ ...toolOff(ask, tool), before: [off] }, { ...ask, before: [on] }]
            : [{ ...refused(say.reserve(target.vin, 500), ['reserveVehicle'], refusal('deposit_raised'), 'tells the customer the deposit is now $1,000'), before: [ruleSwitch('deposit_raised')] }, say.reserve(target.vin, 1_000)];
      return [say.greet(), say.search(target), say.available(target.vin), ...middle, say.hours(), say.location(lot), variant === 'vehicle_sold' ? soldNews(say.available(target.vin)) : say.thanks(), say.tradeIn(recentYear, recentCar, miles, condition), ending];
    }
    case 'browse': {
      if (variant === 'rule_change') return [say.greet(), say.search(target), say.details(target.vin), ...hoursChanged(), say.location(lot), say.available(target.vin), say.financing(other.vin, months, roundUp(other.price * 0.25, 100)), say.thanks(), ending];
      const middle: Draft[] =
        variant === 'vehicle_sold'
          ? [{ ...soldNews(say.available(target.vin)), before: [sold] }, say.details(other.vin)]
          : [{ ...toolOff(say.details(target.vin), tool), before: [off] }, { ...say.details(target.vin), before: [on] }];
      return [say.greet(), say.search(target), say.hours(), ...middle, say.location(lot), variant === 'vehicle_sold' ? soldNews(say.available(target.vin)) : say.available(target.vin), say.financing(other.vin, months, roundUp(other.price * 0.25, 100)), say.thanks(), ending];
    }
    case 'trade_in': {
      const [oldYear, oldCar] = draws.pick(OLD_TRADE_INS);
      const oldMiles = (2026 - oldYear) * 12_000;
      const middle: Draft[] =
        variant === 'tool_off_on'
          ? [{ ...toolOff(say.tradeIn(recentYear, recentCar, miles, condition), tool), before: [off] }, { ...say.tradeIn(recentYear, recentCar, miles, condition), before: [on] }]
          : [{ ...refused(say.tradeIn(oldYear, oldCar, oldMiles, condition), ['appraiseTradeIn'], refusal('trade_in_age'), 'tells the customer old trade-ins are not taken'), before: [ruleSwitch('trade_in_age')] }, say.tradeIn(recentYear, recentCar, miles, condition)];
      return [say.greet(), say.hours(), ...middle, say.search(target), say.details(target.vin), say.financing(target.vin, months, down), say.location(lot), say.thanks(), ending];
    }
    case 'opening_hours': {
      const middle: Draft[] =
        variant === 'tool_off_on'
          ? [{ ...toolOff(say.hours(), tool), before: [off] }, { ...say.hours(), before: [on] }]
          : variant === 'rule_change'
            ? hoursChanged()
            : [{ ...soldNews(say.details(target.vin)), before: [sold] }, say.details(other.vin)];
      return [say.greet(), say.search(target), say.details(target.vin), ...middle, say.location(lot), say.hours(), say.financing(other.vin, months, roundUp(other.price * 0.25, 100)), say.thanks(), ending];
    }
  }
}
