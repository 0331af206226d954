import { describe, expect, it } from 'vitest';
import type { CampaignRequest } from '../campaigns/campaign-spec.js';
import { DEFAULT_TOPICS } from '../campaigns/campaign-spec.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import { ReferenceCustomer } from '../policies/reference-customer.js';
import type { Persona } from './persona.js';
import { PersonaGenerator } from './persona-generator.js';
import { heldOutCount, onSide, PHRASING_SIDES, type PhrasingSide } from './phrasing-side.js';
import { Draws } from './seeded.js';
import { Utterances } from './utterances.js';

const VIN = '5UCUXRS46RZFFKPNW';
const CRITERIA = { body: 'suv', fuel: 'hybrid', maxPrice: 31_000, minYear: 2021 };

/** Every request of the reference customer, with fixed arguments: only the wording differs from one draw to the next. */
function everyRequest(say: Utterances, indirect: boolean): Record<string, string> {
  return {
    search: say.search(CRITERIA, 'a family SUV with room for everyone', indirect),
    searchModel: say.search({ ...CRITERIA, make: 'Toyota', model: 'RAV4' }, 'a family SUV', indirect),
    changeOfMind: say.changeOfMind(CRITERIA),
    identify: say.identify(VIN),
    details: say.details('the second one', indirect),
    testDrive: say.testDrive(`VIN ${VIN}`, 'saturday', 11, indirect),
    takeTime: say.takeTime('monday', 14),
    financing: say.financing('it', 60, 3_000, 'fair', indirect),
    creditAnswer: say.creditAnswer('good'),
    tradeIn: say.tradeIn({ year: 2015, make: 'Honda', model: 'Civic', mileage: 120_000, condition: 'fair' }, indirect),
    reserve: say.reserve('it', 500, indirect),
    hours: say.hours(undefined, indirect),
    hoursAt: say.hours('airport', indirect),
    handOff: say.handOff('a lease buyout', indirect),
    cancel: say.cancel('td_1a2b3c4d'),
    cancelUnnamed: say.cancel(undefined),
    secondIntent: say.withSecondIntent('show me SUVs'),
    greeting: say.greeting(),
    closing: say.closing(),
    outOfScope: say.outOfScope(),
    injection: say.injection(),
  };
}

/** What each side says for each request (direct and indirect), over many seeds. */
function saidBySide(seeds: number): Record<PhrasingSide, Map<string, Set<string>>> {
  const said = { training: new Map<string, Set<string>>(), 'held-out': new Map<string, Set<string>>() };
  for (const side of PHRASING_SIDES) {
    for (let seed = 0; seed < seeds; seed++) {
      const say = new Utterances(new Draws(seed), side);
      for (const indirect of [false, true]) {
        for (const [request, text] of Object.entries(everyRequest(say, indirect))) {
          const key = `${request}/${indirect ? 'indirect' : 'direct'}`;
          said[side].set(key, (said[side].get(key) ?? new Set()).add(text));
        }
      }
    }
  }
  return said;
}

const specOf = (request: Partial<CampaignRequest>) => resolveCampaignSpec({ count: 1_000, ...request }, { policy: 'reference', dealershipSeed: 7 });

describe('the phrasing rule', () => {
  it('holds out the last third (rounded up) of every list of two or more, and keeps the rest for training', () => {
    expect([2, 3, 4, 5, 6, 7].map(heldOutCount)).toEqual([1, 1, 2, 2, 2, 3]);
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(onSide(items, 'training')).toEqual(['a', 'b', 'c', 'd']);
    expect(onSide(items, 'held-out')).toEqual(['e', 'f']);
    expect(() => onSide(['only'], 'training')).toThrow(RangeError);
  });
});

describe('the reference customer\'s wordings on each side', () => {
  const said = saidBySide(300);

  it('never say on the training side what the held-out side says, request by request', () => {
    const shared = [...said.training].flatMap(([request, texts]) => [...texts].filter((text) => said['held-out'].get(request)!.has(text)).map((text) => `${request}: ${text}`));
    expect(shared).toEqual([]);
  });

  it('give each side at least one wording of every request, and split the lists by the rule', () => {
    for (const side of PHRASING_SIDES) for (const [request, texts] of said[side]) expect({ request, side, wordings: texts.size > 0 }).toEqual({ request, side, wordings: true });
    const sizes = (request: string) => PHRASING_SIDES.map((side) => said[side].get(request)!.size);
    expect(sizes('greeting/direct')).toEqual([3, 2]);
    expect(sizes('closing/direct')).toEqual([2, 2]);
    expect(sizes('injection/direct')).toEqual([4, 2]);
    expect(sizes('outOfScope/direct')).toEqual([4, 2]);
    expect(sizes('identify/direct')).toEqual([2, 1]);
    expect(sizes('financing/indirect')).toEqual([1, 1]);
    expect(sizes('reserve/indirect')).toEqual([1, 1]);
  });

  it('keep the training side of a request as it was before the split: its first wordings, in order', () => {
    expect([...said.training.get('greeting/direct')!].sort()).toEqual(['hello there', 'hey!', 'hi']);
    expect([...said['held-out'].get('greeting/direct')!].sort()).toEqual(['good morning', 'hi, quick question']);
    expect([...said.training.get('reserve/indirect')!]).toEqual(["I don't want anyone else to grab it — can you reserve it for me with a $500 deposit?"]);
  });
});

describe('campaigns and their phrasing', () => {
  const personas = (request: Partial<CampaignRequest>, count = 1_000): Persona[] => {
    const generator = new PersonaGenerator(specOf(request));
    return Array.from({ length: count }, (_, index) => generator.persona(index));
  };
  /** A held-out greeting opens with "good …" or "hi, …"; no training greeting does, whatever casual writing and typos do to it. */
  const heldOutGreeting = (text: string) => /^(good |hi,)/i.test(text);
  const firstWords = async (persona: Persona) => {
    const action = await new ReferenceCustomer(persona).next();
    return action.kind === 'say' ? action.text : '';
  };

  it('gives a training campaign (the default) a camp_ id and the training topics, a held-out one a heldout_ id and the held-out topics', () => {
    const training = specOf({});
    expect(training).toMatchObject({ phrasing: 'training', topics: DEFAULT_TOPICS.slice(0, 5) });
    expect(training.campaignId).toMatch(/^camp_/);
    const heldOut = specOf({ phrasing: 'held-out' });
    expect(heldOut).toMatchObject({ phrasing: 'held-out', topics: DEFAULT_TOPICS.slice(5) });
    expect(heldOut.campaignId).toMatch(/^heldout_/);
    expect(specOf({ phrasing: 'held-out', topics: ['a sedan'] }).topics).toEqual(['a sedan']);
  });

  it('never lets a training campaign draw a held-out topic, hand-off topic or wording, over many seeds', async () => {
    const heldOutTopics = new Set(onSide(DEFAULT_TOPICS, 'held-out'));
    for (const seed of [1, 7, 42, 1_234, 99_999]) {
      const list = personas({ seed });
      expect(list.filter((persona) => persona.phrasing !== 'training' || heldOutTopics.has(persona.topic))).toEqual([]);
      const handOffs = new Set(list.flatMap((persona) => persona.goal.handOffTopic ?? []));
      expect(handOffs).toEqual(new Set(['warranty coverage', 'an extended warranty', 'a fleet purchase for my company', 'a complaint about my last service visit']));
      const greetings = await Promise.all(list.filter((persona) => persona.style.chatty).map(firstWords));
      expect(greetings.length).toBeGreaterThan(300);
      expect(greetings.filter(heldOutGreeting)).toEqual([]);
    }
  });

  it('has a held-out campaign draw only held-out topics, hand-off topics and wordings', async () => {
    const list = personas({ seed: 7, phrasing: 'held-out' });
    expect(new Set(list.map((persona) => persona.topic))).toEqual(new Set(onSide(DEFAULT_TOPICS, 'held-out')));
    expect(new Set(list.flatMap((persona) => persona.goal.handOffTopic ?? []))).toEqual(new Set(['shipping a car out of state', 'a lease buyout']));
    const greetings = await Promise.all(list.filter((persona) => persona.style.chatty).map(firstWords));
    expect(greetings.length).toBeGreaterThan(300);
    expect(greetings.filter((text) => !heldOutGreeting(text))).toEqual([]);
  });

  it('refuses a held-out campaign whose id does not say so, and a training campaign whose id does', () => {
    expect(() => specOf({ phrasing: 'held-out', campaignId: 'camp_x' })).toThrow(/campaignId: a held-out-phrasing campaign's id begins with heldout_/);
    expect(() => specOf({ campaignId: 'heldout_x' })).toThrow(/campaignId: heldout_… is kept for held-out-phrasing campaigns/);
    expect(specOf({ phrasing: 'held-out', campaignId: 'heldout_nightly' }).campaignId).toBe('heldout_nightly');
  });
});
