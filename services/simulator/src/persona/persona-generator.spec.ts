import { DEFAULT_CUSTOMER_COUNT, DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles } from '@distillery/dealership';
import { describe, expect, it } from 'vitest';
import { type CampaignRequest, type CampaignSpec, GOAL_KINDS, type GoalKind } from '../campaigns/campaign-spec.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import { rulesFor, TOOL_OF_GOAL, VEHICLE_GOALS } from '../conversations/business-switches.js';
import type { Persona } from './persona.js';
import { describeCriteria, PersonaGenerator } from './persona-generator.js';

const DEALERSHIP_SEED = 11;
const VEHICLES = generateVehicles(DEALERSHIP_SEED, DEFAULT_VEHICLE_COUNT);
const CUSTOMERS = generateCustomers(DEALERSHIP_SEED, DEFAULT_CUSTOMER_COUNT);
const vehicleOf = (vin: string) => VEHICLES.find((vehicle) => vehicle.vin === vin);

const specOf = (request: Partial<CampaignRequest> = {}): CampaignSpec => resolveCampaignSpec({ campaignId: 'personas', count: 2_000, ...request }, { policy: 'reference', dealershipSeed: DEALERSHIP_SEED });

function personas(spec: CampaignSpec, count = 2_000): Persona[] {
  const generator = new PersonaGenerator(spec);
  return Array.from({ length: count }, (_, index) => generator.persona(index));
}

const share = (list: readonly Persona[], test: (persona: Persona) => boolean) => list.filter(test).length / list.length;

describe('PersonaGenerator: determinism', () => {
  it('gives the same persona for the same seed and index, whichever generator and in whatever order', () => {
    const spec = specOf({ seed: 42, injectionRate: 0.3, switchRate: 0.5 });
    const forwards = personas(spec, 60);
    const generator = new PersonaGenerator(structuredClone(spec));
    const backwards = Array.from({ length: 60 }, (_, index) => generator.persona(59 - index)).reverse();
    expect(backwards).toEqual(forwards);
    expect(forwards.map((persona) => persona.index)).toEqual(Array.from({ length: 60 }, (_, index) => index));
  });

  it('gives other personas for another seed, and another persona per index', () => {
    const a = personas(specOf({ seed: 1 }), 100);
    const b = personas(specOf({ seed: 2 }), 100);
    const same = a.filter((persona, index) => JSON.stringify(persona) === JSON.stringify(b[index]));
    expect(same).toEqual([]);
    expect(new Set(a.map((persona) => persona.seed)).size).toBe(100);
    expect(new Set(a.map((persona) => persona.goal.description)).size).toBeGreaterThan(80);
  });
});

describe('PersonaGenerator: the intent mix', () => {
  it('never draws a goal with weight 0 or outside the mix, and follows the weights', () => {
    const list = personas(specOf({ intentMix: { test_drive: 0.5, financing: 0.3, opening_hours: 0.2, hand_off: 0 } }));
    const counts = Object.fromEntries(GOAL_KINDS.map((kind) => [kind, list.filter((persona) => persona.goal.kind === kind).length]));
    expect(counts).toMatchObject({ hand_off: 0, browse: 0, trade_in: 0, reservation: 0, cancel_test_drive: 0 });
    expect(counts.test_drive! / list.length).toBeCloseTo(0.5, 1);
    expect(Math.abs(counts.test_drive! / list.length - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(counts.financing! / list.length - 0.3)).toBeLessThan(0.04);
    expect(Math.abs(counts.opening_hours! / list.length - 0.2)).toBeLessThan(0.04);
  });

  it('follows the default mix, with weights that need not sum to 1', () => {
    const list = personas(specOf());
    const scaled = personas(specOf({ intentMix: { browse: 15, test_drive: 25, financing: 15, trade_in: 10, reservation: 10, opening_hours: 10, cancel_test_drive: 5, hand_off: 10 } }));
    const expected: Record<GoalKind, number> = { browse: 0.15, test_drive: 0.25, financing: 0.15, trade_in: 0.1, reservation: 0.1, opening_hours: 0.1, cancel_test_drive: 0.05, hand_off: 0.1 };
    const off = GOAL_KINDS.map((kind) => ({ kind, share: share(list, (persona) => persona.goal.kind === kind) })).filter(({ kind, share: drawn }) => Math.abs(drawn - expected[kind]) >= 0.04);
    expect(off).toEqual([]);
    // Scaling every weight does not change the draws.
    expect(scaled.map((persona) => persona.goal.kind)).toEqual(list.map((persona) => persona.goal.kind));
  });
});

describe('PersonaGenerator: the environment', () => {
  const vehicleGoals = { browse: 1, test_drive: 1, financing: 1, reservation: 1, cancel_test_drive: 1 };

  it('names only vehicles of the allowed bodies, fuels and prices', () => {
    const list = personas(specOf({ intentMix: vehicleGoals, environment: { inventory: { bodies: ['suv', 'truck'], fuels: ['hybrid', 'electric'], maxPrice: 40_000 } } }), 600);
    const withVin = list.filter((persona) => persona.goal.knownVin);
    expect(withVin.length).toBeGreaterThan(50);
    for (const persona of list) {
      const criteria = persona.goal.criteria!;
      expect(['suv', 'truck']).toContain(criteria.body);
      expect([undefined, 'hybrid', 'electric']).toContain(criteria.fuel);
      // The budget is the target's price rounded up, plus at most 3k of slack.
      expect(criteria.maxPrice).toBeLessThanOrEqual(43_000);
      expect(persona.goal.description).toContain(describeCriteria(criteria));
    }
    for (const persona of withVin) {
      const vehicle = vehicleOf(persona.goal.knownVin!)!;
      expect({ body: ['suv', 'truck'].includes(vehicle.body), fuel: ['hybrid', 'electric'].includes(vehicle.fuel), cheap: vehicle.price <= 40_000, status: vehicle.status }).toEqual({
        body: true,
        fuel: true,
        cheap: true,
        status: 'available',
      });
      expect(persona.goal.criteria!.body).toBe(vehicle.body);
      expect(persona.goal.criteria!.maxPrice).toBeGreaterThanOrEqual(vehicle.price);
    }
  });

  it('names only vehicles of the allowed makes and years', () => {
    const list = personas(specOf({ intentMix: vehicleGoals, environment: { inventory: { makes: ['toyota'], minYear: 2022 } } }), 600);
    const named = list.filter((persona) => persona.goal.criteria?.make);
    expect(named.length).toBeGreaterThan(20);
    for (const persona of named) expect(persona.goal.criteria!.make).toBe('Toyota');
    for (const persona of list.filter((candidate) => candidate.goal.knownVin)) {
      const vehicle = vehicleOf(persona.goal.knownVin!)!;
      expect(vehicle.make).toBe('Toyota');
      expect(vehicle.year).toBeGreaterThanOrEqual(2022);
    }
    for (const persona of list.filter((candidate) => candidate.goal.criteria?.minYear)) expect(persona.goal.criteria!.minYear).toBeGreaterThanOrEqual(2021);
  });

  it('falls back to the whole inventory when nothing meets the constraints', () => {
    const list = personas(specOf({ intentMix: vehicleGoals, environment: { inventory: { maxPrice: 1_000 } } }), 100);
    expect(list.every((persona) => persona.goal.criteria !== undefined)).toBe(true);
  });

  it('reads body, fuel and feature words in the topic', () => {
    const trucks = personas(specOf({ intentMix: vehicleGoals, topics: ['a pickup truck that can tow a boat'] }), 300);
    expect(new Set(trucks.map((persona) => persona.goal.criteria!.body))).toEqual(new Set(['truck']));
    for (const persona of trucks.filter((candidate) => candidate.goal.knownVin)) expect(vehicleOf(persona.goal.knownVin!)!.features).toContain('tow package');
    const electric = personas(specOf({ intentMix: vehicleGoals, topics: ['an electric car for commuting'] }), 300);
    for (const persona of electric.filter((candidate) => candidate.goal.knownVin)) expect(vehicleOf(persona.goal.knownVin!)!.fuel).toBe('electric');
    expect(new Set(electric.map((persona) => persona.goal.criteria!.fuel))).toEqual(new Set(['electric', undefined]));
  });

  it('draws the customers from the allowed refs, credit tiers and licences', () => {
    const refs = ['cust_0003', 'cust_0007', 'cust_0042'];
    const byRef = personas(specOf({ environment: { customers: { refs } } }), 300);
    expect(new Set(byRef.map((persona) => persona.customerRef))).toEqual(new Set(refs));
    for (const persona of byRef) {
      const customer = CUSTOMERS.find((candidate) => candidate.id === persona.customerRef)!;
      expect({ name: persona.name, creditTier: persona.creditTier, licenceOnFile: persona.licenceOnFile }).toEqual({ name: customer.name, creditTier: customer.creditTier, licenceOnFile: customer.licenceOnFile });
    }
    const poorUnlicensed = personas(specOf({ intentMix: { test_drive: 1 }, environment: { customers: { creditTiers: ['poor'], licenceOnFile: false } } }), 300);
    expect(new Set(poorUnlicensed.map((persona) => `${persona.creditTier}/${persona.licenceOnFile}`))).toEqual(new Set(['poor/false']));
  });

  it('mostly picks customers with a licence on file for test drives', () => {
    const everyone = CUSTOMERS.filter((customer) => customer.licenceOnFile).length / CUSTOMERS.length;
    const drives = personas(specOf({ intentMix: { test_drive: 1 } }), 1_000);
    const others = personas(specOf({ intentMix: { opening_hours: 1 } }), 1_000);
    expect(share(drives, (persona) => persona.licenceOnFile)).toBeGreaterThan(0.9);
    expect(Math.abs(share(others, (persona) => persona.licenceOnFile) - everyone)).toBeLessThan(0.05);
  });
});

describe('PersonaGenerator: traits, moves and switches', () => {
  it('gives each trait and move to about its share of the personas', () => {
    const spec = specOf({
      injectionRate: 0.3,
      switchRate: 0.4,
      personaTraits: { typoRate: 0.2, indirectRate: 0.25, chattyRate: 0.6, changeOfMindRate: 0.2, multiIntentRate: 0.1, outOfScopeRate: 0.15, patience: 4 },
    });
    const list = personas(spec);
    const shares = {
      injection: share(list, (persona) => persona.moves.injection),
      switched: share(list, (persona) => persona.switch !== undefined),
      indirect: share(list, (persona) => persona.style.indirect),
      chatty: share(list, (persona) => persona.style.chatty),
      changeOfMind: share(list, (persona) => persona.moves.changeOfMind),
      multiIntent: share(list, (persona) => persona.moves.multiIntent),
      outOfScope: share(list, (persona) => persona.moves.outOfScope),
    };
    const expected = { injection: 0.3, switched: 0.4, indirect: 0.25, chatty: 0.6, changeOfMind: 0.2, multiIntent: 0.1, outOfScope: 0.15 };
    const off = Object.entries(expected).filter(([trait, rate]) => Math.abs(shares[trait as keyof typeof shares] - rate) >= 0.04);
    expect(off).toEqual([]);
    expect(new Set(list.map((persona) => `${persona.style.typoRate}/${persona.style.patience}`))).toEqual(new Set(['0.2/4']));
  });

  it('never makes a move whose rate is 0, and always one whose rate is 1', () => {
    const none = personas(specOf({ injectionRate: 0, switchRate: 0, personaTraits: { indirectRate: 0, chattyRate: 0, changeOfMindRate: 0, multiIntentRate: 0, outOfScopeRate: 0 } }), 500);
    expect(none.filter((persona) => persona.switch || Object.values(persona.moves).some(Boolean) || persona.style.indirect || persona.style.chatty)).toEqual([]);
    const all = personas(specOf({ injectionRate: 1, switchRate: 1 }), 500);
    expect(all.every((persona) => persona.moves.injection && persona.switch)).toBe(true);
  });

  it('plans switches that fit the goal, at turn 2 or 3', () => {
    const list = personas(specOf({ switchRate: 1 }));
    const ofKind = (kind: string) => list.filter((persona) => persona.switch!.kind === kind);
    expect(new Set(list.map((persona) => persona.switch!.atTurn))).toEqual(new Set([2, 3]));
    expect(ofKind('vehicle_sold').filter((persona) => !VEHICLE_GOALS.includes(persona.goal.kind))).toEqual([]);
    expect(ofKind('rule_change').filter((persona) => !rulesFor(persona.goal.kind).includes(persona.switch!.rule!))).toEqual([]);
    // A tool that is off at the start is not needed before it appears: no known VIN to look up.
    expect(ofKind('tool_added').filter((persona) => persona.switch!.tool !== TOOL_OF_GOAL[persona.goal.kind] || persona.goal.knownVin)).toEqual([]);
    expect(ofKind('vehicle_sold').length + ofKind('rule_change').length + ofKind('tool_added').length).toBe(list.length);
    expect(Math.min(ofKind('vehicle_sold').length, ofKind('rule_change').length, ofKind('tool_added').length)).toBeGreaterThan(200);
  });

  it('draws only the allowed switch kinds, and none where no allowed kind fits the goal', () => {
    const list = personas(specOf({ switchRate: 0.5, switchKinds: ['vehicle_sold'] }));
    expect(new Set(list.flatMap((persona) => (persona.switch ? [persona.switch.kind] : [])))).toEqual(new Set(['vehicle_sold']));
    expect(list.filter((persona) => persona.switch && !VEHICLE_GOALS.includes(persona.goal.kind))).toEqual([]);
    expect(Math.abs(share(list.filter((persona) => VEHICLE_GOALS.includes(persona.goal.kind)), (persona) => persona.switch !== undefined) - 0.5)).toBeLessThan(0.05);
  });

  it('shapes the goal so that the planned rule change bites', () => {
    const list = personas(specOf({ switchRate: 1, switchKinds: ['rule_change'] }));
    const byRule = (rule: string) => list.filter((persona) => persona.switch?.rule === rule);
    expect(byRule('saturday_closed').length).toBeGreaterThan(10);
    for (const persona of byRule('saturday_closed')) expect(persona.goal.day).toBe('saturday');
    for (const persona of byRule('shorter_terms')) expect(persona.goal.termMonths).toBe(72);
    // Older than the 8 years the rule allows.
    for (const persona of byRule('trade_in_age')) expect(persona.goal.tradeIn!.year).toBeLessThanOrEqual(2016);
  });
});

describe('PersonaGenerator: goals', () => {
  it('gives every goal what its requests need', () => {
    const list = personas(specOf({ intentMix: Object.fromEntries(GOAL_KINDS.map((kind) => [kind, 1])) }));
    const ofKind = (...kinds: GoalKind[]) => list.filter((persona) => kinds.includes(persona.goal.kind)).map((persona) => persona.goal);
    const drives = ofKind('test_drive', 'cancel_test_drive');
    expect(drives.filter((goal) => goal.day === undefined || goal.day === 'sunday' || goal.hour! < 10 || goal.hour! > (goal.day === 'saturday' ? 14 : 17))).toEqual([]);
    expect(new Set(drives.map((goal) => goal.day))).toEqual(new Set(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']));
    const financing = ofKind('financing');
    expect(new Set(financing.map((goal) => goal.termMonths))).toEqual(new Set([36, 48, 60, 72]));
    expect(financing.filter((goal) => (goal.downPayment ?? 0) % 500 !== 0)).toEqual([]);
    expect(ofKind('trade_in').filter((goal) => !goal.tradeIn || goal.tradeIn.mileage <= 0 || !goal.description.includes(goal.tradeIn.make))).toEqual([]);
    expect(ofKind('hand_off').filter((goal) => !goal.handOffTopic || !goal.description.includes(goal.handOffTopic))).toEqual([]);
    expect(ofKind(...VEHICLE_GOALS).filter((goal) => !goal.criteria)).toEqual([]);
    expect(list.filter((persona) => persona.goal.description.length < 10)).toEqual([]);
  });
});

describe('describeCriteria', () => {
  it('writes the wish the way the goal describes it', () => {
    expect(describeCriteria({ body: 'suv', fuel: 'hybrid', maxPrice: 31_000, minYear: 2022 })).toBe('a 2022-or-newer hybrid SUV under 31k');
    expect(describeCriteria({ body: 'suv', maxPrice: 20_000 })).toBe('an SUV under 20k');
    expect(describeCriteria({ body: 'sedan', fuel: 'electric', maxPrice: 42_000 })).toBe('an electric sedan under 42k');
    expect(describeCriteria({ body: 'sedan', maxPrice: 18_000, make: 'Toyota', model: 'Corolla' })).toBe('a Toyota Corolla under 18k');
  });
});
