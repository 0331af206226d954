import { type CustomerEntity, DEFAULT_CUSTOMER_COUNT, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles, MODELS, type VehicleEntity } from '@distillery/dealership';
import type { CampaignSpec, GoalKind, SwitchKind } from '../campaigns/campaign-spec.js';
import { rulesFor, TOOL_OF_GOAL, VEHICLE_GOALS } from '../conversations/business-switches.js';
import { bodyWord, dollars, spokenHour, thousands } from './phrasing.js';
import { onSide, type PhrasingSide } from './phrasing-side.js';
import type { Goal, Persona, PlannedSwitch, TradeIn, VehicleCriteria, WeekdayName } from './persona.js';
import { Draws, mixSeed } from './seeded.js';

/** What a hand-off customer wants a person for; split into training and held-out sides (phrasing-side). */
const HAND_OFF_TOPICS = ['warranty coverage', 'an extended warranty', 'a fleet purchase for my company', 'a complaint about my last service visit', 'shipping a car out of state', 'a lease buyout'];
const TEST_DRIVE_DAYS: readonly WeekdayName[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const CONDITIONS = ['excellent', 'good', 'good', 'fair', 'poor'] as const;
const LOT_IDS = ['downtown', 'northside', 'airport'];

/** What a seed topic says about the vehicle, read the way the reference persona reads it. */
interface TopicHints {
  readonly bodies?: readonly string[];
  readonly fuel?: string;
  readonly maxPrice?: number;
  readonly feature?: string;
}

function topicHints(topic: string): TopicHints {
  const text = topic.toLowerCase();
  const bodies = /\b(suv|crossover)/.test(text)
    ? ['suv']
    : /\b(truck|pickup)/.test(text)
      ? ['truck']
      : /\b(minivan|van|school run|carpool)/.test(text)
        ? ['minivan']
        : /\bsedan/.test(text)
          ? ['sedan']
          : /\b(coupe|sporty|sports car)/.test(text)
            ? ['coupe']
            : /\bhatchback/.test(text)
              ? ['hatchback']
              : /\b(wagon|estate)/.test(text)
                ? ['wagon']
                : /\bfamily/.test(text)
                  ? ['suv', 'minivan']
                  : undefined;
  const fuel = /\b(plug-?in|phev)/.test(text) ? 'plug-in hybrid' : /\b(hybrid|fuel-efficient|economical)/.test(text) ? 'hybrid' : /\b(electric|ev)\b/.test(text) ? 'electric' : undefined;
  const maxPrice = /\b(cheap|budget|student|first car|affordable)/.test(text) ? 20_000 : undefined;
  const feature = /\btow/.test(text) ? 'tow package' : /\b(third row|seven seats|7 seats)/.test(text) ? 'third row' : undefined;
  return { ...(bodies ? { bodies } : {}), ...(fuel ? { fuel } : {}), ...(maxPrice ? { maxPrice } : {}), ...(feature ? { feature } : {}) };
}

/**
 * The campaign's world as the personas see it (the environment E): the dealership's seeded inventory
 * under the campaign's constraints, and its customers under the profile filters. Built once per
 * campaign; personas are then drawn from it by index.
 */
export class PersonaGenerator {
  private readonly vehicles: readonly VehicleEntity[];
  private readonly customers: readonly CustomerEntity[];
  /** A spec stored before campaigns had a phrasing plays the training side. */
  private readonly phrasing: PhrasingSide;

  constructor(private readonly spec: CampaignSpec) {
    this.phrasing = spec.phrasing ?? 'training';
    const { inventory, customers, dealershipSeed } = spec.environment;
    const makes = inventory.makes?.map((make) => make.toLowerCase());
    const all = generateVehicles(dealershipSeed, DEFAULT_VEHICLE_COUNT).filter((vehicle) => vehicle.status === 'available' && vehicle.price >= 9_000);
    const constrained = all.filter(
      (vehicle) =>
        (!inventory.bodies || (inventory.bodies as readonly string[]).includes(vehicle.body)) &&
        (!inventory.fuels || (inventory.fuels as readonly string[]).includes(vehicle.fuel)) &&
        (!makes || makes.includes(vehicle.make.toLowerCase())) &&
        (inventory.maxPrice === undefined || vehicle.price <= inventory.maxPrice) &&
        (inventory.minYear === undefined || vehicle.year >= inventory.minYear),
    );
    this.vehicles = constrained.length ? constrained : all;
    const everyone = generateCustomers(dealershipSeed, DEFAULT_CUSTOMER_COUNT);
    const chosen = everyone.filter(
      (customer) =>
        (!customers.refs || customers.refs.includes(customer.id)) &&
        (customers.licenceOnFile === undefined || customer.licenceOnFile === customers.licenceOnFile) &&
        (!customers.creditTiers || (customer.creditTier !== null && (customers.creditTiers as readonly string[]).includes(customer.creditTier))),
    );
    this.customers = chosen.length ? chosen : everyone;
  }

  /** The persona of conversation `index`: the same campaign seed and index always give the same persona. */
  persona(index: number): Persona {
    const draws = new Draws(mixSeed(this.spec.seed, index, 0x9e75));
    const traits = this.spec.personaTraits;
    const kind = draws.weighted(this.spec.intentMix);
    const topic = draws.pick(this.spec.topics);
    const customer = this.customerFor(kind, draws);
    const switchKind = draws.chance(this.spec.switchRate) ? this.switchKindFor(kind, draws) : undefined;
    const planned = switchKind ? this.plannedSwitch(switchKind, kind, draws) : undefined;
    const goal = this.goal(kind, topic, customer, planned, draws);
    const style = { typoRate: traits.typoRate, indirect: draws.chance(traits.indirectRate), chatty: draws.chance(traits.chattyRate), patience: traits.patience };
    const moves = {
      changeOfMind: draws.chance(traits.changeOfMindRate),
      multiIntent: draws.chance(traits.multiIntentRate),
      outOfScope: draws.chance(traits.outOfScopeRate),
      injection: draws.chance(this.spec.injectionRate),
    };
    return {
      index,
      seed: mixSeed(this.spec.seed, index, 0x5a17),
      phrasing: this.phrasing,
      customerRef: customer.id,
      name: customer.name,
      creditTier: customer.creditTier,
      licenceOnFile: customer.licenceOnFile,
      topic,
      goal,
      style,
      moves,
      ...(planned ? { switch: planned } : {}),
    };
  }

  private customerFor(kind: GoalKind, draws: Draws): CustomerEntity {
    // Most people who book a test drive have their licence on file; some do not, and find out.
    const licensed = this.customers.filter((customer) => customer.licenceOnFile);
    const pool = (kind === 'test_drive' || kind === 'cancel_test_drive') && licensed.length && draws.chance(0.9) ? licensed : this.customers;
    return draws.pick(pool);
  }

  private switchKindFor(goal: GoalKind, draws: Draws): SwitchKind | undefined {
    const possible = this.spec.switchKinds.filter((kind) => (kind === 'vehicle_sold' ? VEHICLE_GOALS.includes(goal) : kind === 'rule_change' ? rulesFor(goal).length > 0 : TOOL_OF_GOAL[goal] !== undefined));
    return possible.length ? draws.pick(possible) : undefined;
  }

  private plannedSwitch(kind: SwitchKind, goal: GoalKind, draws: Draws): PlannedSwitch {
    const atTurn = draws.int(2, 3);
    if (kind === 'rule_change') return { kind, rule: draws.pick(rulesFor(goal)), atTurn };
    if (kind === 'tool_added') return { kind, tool: TOOL_OF_GOAL[goal]!, atTurn };
    return { kind, atTurn };
  }

  private goal(kind: GoalKind, topic: string, customer: CustomerEntity, planned: PlannedSwitch | undefined, draws: Draws): Goal {
    const vehicleGoal = VEHICLE_GOALS.includes(kind);
    const target = vehicleGoal || draws.chance(0.5) ? this.targetVehicle(topic, draws) : undefined;
    const criteria = target ? this.criteria(target, draws) : undefined;
    // A switched-off tool must not be needed before it appears: those customers find their car by searching.
    const knownVin = vehicleGoal && target && planned?.kind !== 'tool_added' && draws.chance(0.3) ? target.vin : undefined;
    const wanted = criteria ? describeCriteria(criteria) : 'a vehicle';
    const base = { kind, ...(criteria ? { criteria } : {}), ...(knownVin ? { knownVin } : {}) };
    switch (kind) {
      case 'browse':
        return { ...base, description: `find ${wanted} and get the full details of one${knownVin ? ` (they saw VIN ${knownVin} on the website)` : ''}` };
      case 'test_drive':
      case 'cancel_test_drive': {
        const day: WeekdayName = planned?.rule === 'saturday_closed' ? 'saturday' : draws.pick(TEST_DRIVE_DAYS);
        const hour = day === 'saturday' ? draws.int(10, 14) : draws.int(10, 17);
        const drive = `book a test drive of ${wanted} on ${day} around ${spokenHour(hour)}`;
        return { ...base, day, hour, description: kind === 'test_drive' ? drive : `${drive}, then cancel it because plans changed` };
      }
      case 'financing': {
        const termMonths = planned?.rule === 'shorter_terms' ? 72 : draws.pick([36, 48, 60, 72]);
        const downPayment = target && draws.chance(0.7) ? Math.round((target.price * draws.pick([0.1, 0.15, 0.2, 0.25])) / 500) * 500 : undefined;
        const creditTier = customer.creditTier === null || draws.chance(0.4) ? draws.pick(['excellent', 'good', 'fair', 'poor']) : undefined;
        return {
          ...base,
          termMonths,
          ...(downPayment ? { downPayment } : {}),
          ...(creditTier ? { creditTier } : {}),
          description: `get a monthly payment estimate for ${wanted} over ${termMonths} months${downPayment ? ` with ${dollars(downPayment)} down` : ''}${creditTier ? ` with ${creditTier} credit` : ''}`,
        };
      }
      case 'trade_in': {
        const tradeIn = this.tradeIn(draws, planned?.rule === 'trade_in_age');
        return { kind, tradeIn, description: `get a trade-in offer for their ${tradeIn.year} ${tradeIn.make} ${tradeIn.model} (${tradeIn.mileage.toLocaleString('en-US')} miles, ${tradeIn.condition} condition)` };
      }
      case 'reservation': {
        const deposit = draws.pick([500, 750, 1_000, undefined]);
        return { ...base, ...(deposit ? { deposit } : {}), description: `reserve ${wanted}${deposit ? ` with a ${dollars(deposit)} deposit` : ''}` };
      }
      case 'opening_hours': {
        const lot = draws.chance(0.4) ? draws.pick(LOT_IDS) : undefined;
        return { kind, ...(lot ? { lot } : {}), description: `find out the opening hours${lot ? ` and where the ${lot} lot is` : ''}` };
      }
      case 'hand_off': {
        const handOffTopic = draws.pick(onSide(HAND_OFF_TOPICS, this.phrasing));
        return { kind, handOffTopic, description: `talk to a salesperson about ${handOffTopic}` };
      }
    }
  }

  private targetVehicle(topic: string, draws: Draws): VehicleEntity {
    const hints = topicHints(topic);
    const fitting = this.vehicles.filter(
      (vehicle) =>
        (!hints.bodies || hints.bodies.includes(vehicle.body)) &&
        (!hints.fuel || vehicle.fuel === hints.fuel) &&
        (hints.maxPrice === undefined || vehicle.price <= hints.maxPrice) &&
        (!hints.feature || vehicle.features.includes(hints.feature)),
    );
    const byBody = this.vehicles.filter((vehicle) => !hints.bodies || hints.bodies.includes(vehicle.body));
    return draws.pick(fitting.length ? fitting : byBody.length ? byBody : this.vehicles);
  }

  /** What the customer asks for, so that a search can find the target (and perhaps cheaper ones like it). */
  private criteria(vehicle: VehicleEntity, draws: Draws): VehicleCriteria {
    const maxPrice = Math.ceil(vehicle.price / 1000) * 1000 + draws.pick([0, 1000, 2000, 3000]);
    const fuel = vehicle.fuel !== 'gas' && draws.chance(0.7) ? vehicle.fuel : undefined;
    const minYear = draws.chance(0.3) ? vehicle.year - draws.int(0, 1) : undefined;
    const named = draws.chance(0.2);
    return { body: vehicle.body, ...(fuel ? { fuel } : {}), maxPrice, ...(minYear ? { minYear } : {}), ...(named ? { make: vehicle.make, model: vehicle.model } : {}) };
  }

  private tradeIn(draws: Draws, old: boolean): TradeIn {
    const spec = draws.pick(MODELS);
    const year = old ? draws.int(2008, 2016) : draws.int(2012, 2023);
    const mileage = Math.round(((2026 - year) * draws.int(8_000, 14_000)) / 1000) * 1000;
    return { year, make: spec.make, model: spec.model, mileage, condition: draws.pick(CONDITIONS) };
  }
}

/** `a 2022-or-newer hybrid SUV under 31k`. */
export function describeCriteria(criteria: VehicleCriteria): string {
  const named = criteria.make && criteria.model ? `${criteria.make} ${criteria.model}` : bodyWord(criteria.body);
  const year = criteria.minYear ? `${criteria.minYear}-or-newer ` : '';
  const fuel = criteria.fuel ? `${criteria.fuel} ` : '';
  return `${/^(suv|[aeiou])/i.test(year || fuel || named) ? 'an' : 'a'} ${year}${fuel}${named} under ${thousands(criteria.maxPrice)}`;
}

