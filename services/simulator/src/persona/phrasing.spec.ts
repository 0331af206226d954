import { describe, expect, it } from 'vitest';
import { casual, dollars, ordinal, plural, spokenHour, thousands, withTypos } from './phrasing.js';
import { Draws, mixSeed } from './seeded.js';
import { INJECTION_MARKERS, Utterances } from './utterances.js';

const VIN = '5UCUXRS46RZFFKPNW';
const longWords = (text: string) => text.match(/\b[A-Za-z]{5,}\b/g) ?? [];

describe('Draws and mixSeed', () => {
  it('draws the same sequence from the same seed, and another from another seed', () => {
    const sequence = (seed: number) => {
      const draws = new Draws(seed);
      return Array.from({ length: 20 }, () => draws.next());
    };
    expect(sequence(5)).toEqual(sequence(5));
    expect(sequence(5)).not.toEqual(sequence(6));
    expect(sequence(5).every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('mixes every part, in order, into the seed', () => {
    expect(mixSeed(7, 1, 2)).toBe(mixSeed(7, 1, 2));
    expect(new Set([mixSeed(7, 1, 2), mixSeed(7, 2, 1), mixSeed(8, 1, 2), mixSeed(7, 1), mixSeed(7, 1, 2, 0)]).size).toBe(5);
    expect(Number.isInteger(mixSeed(2 ** 31 - 1, 99_999, 0x9e75))).toBe(true);
  });

  it('never draws a key of weight 0, and draws the others by weight', () => {
    const draws = new Draws(3);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let index = 0; index < 4_000; index++) counts[draws.weighted({ a: 3, b: 0, c: 1 })]! += 1;
    expect(counts.b).toBe(0);
    expect(Math.abs(counts.a! / 4_000 - 0.75)).toBeLessThan(0.03);
  });

  it('picks within the list and draws integers within the bounds', () => {
    const draws = new Draws(9);
    const ints = Array.from({ length: 500 }, () => draws.int(2, 3));
    expect(new Set(ints)).toEqual(new Set([2, 3]));
    expect(() => draws.pick([])).toThrow(/empty/);
  });
});

describe('withTypos', () => {
  const text = `can I test drive VIN ${VIN} on saturday at 11:00 with $3,500 down over 60 months, confirmation td_1a2b3c4d?`;

  it('slips in one or two words and leaves numbers, VINs and ids alone', () => {
    for (let seed = 0; seed < 300; seed++) {
      const typed = withTypos(text, new Draws(seed));
      expect(typed.match(/[\d$,:]+|[A-Z0-9]{17}|td_[a-z0-9]+/g)).toEqual(text.match(/[\d$,:]+|[A-Z0-9]{17}|td_[a-z0-9]+/g));
      const before = longWords(text);
      const changed = typed.split(' ').filter((word, index) => word !== text.split(' ')[index]);
      expect(changed.length).toBeLessThanOrEqual(before.length > 8 ? 2 : 1);
    }
  });

  it('changes the text most of the time, the same way for the same seed', () => {
    const changed = Array.from({ length: 300 }, (_, seed) => withTypos(text, new Draws(seed))).filter((typed) => typed !== text);
    expect(changed.length).toBeGreaterThan(250);
    expect(withTypos(text, new Draws(17))).toBe(withTypos(text, new Draws(17)));
  });

  it('leaves a text without long words as it is', () => {
    expect(withTypos('hi, any SUV?', new Draws(1))).toBe('hi, any SUV?');
  });
});

describe('casual', () => {
  it('lower-cases sometimes, but never a VIN', () => {
    const outputs = Array.from({ length: 200 }, (_, seed) => casual(`Tell me about VIN ${VIN}.`, new Draws(seed)));
    expect(outputs.every((output) => output.includes(VIN))).toBe(true);
    expect(new Set(outputs)).toEqual(new Set([`Tell me about VIN ${VIN}.`, `tell me about vin ${VIN}.`, `Tell me about VIN ${VIN}`, `tell me about vin ${VIN}`]));
  });
});

describe('spoken forms', () => {
  it('writes hours, ordinals, budgets and bodies the way customers do', () => {
    expect([9, 11, 12, 13, 17].map(spokenHour)).toEqual(['9am', '11am', 'noon', '1pm', '5pm']);
    expect([1, 2, 5, 6].map(ordinal)).toEqual(['first', 'second', 'fifth', '#6']);
    expect([31_000, 31_499, 20_000].map(thousands)).toEqual(['31k', '31k', '20k']);
    expect(dollars(3_500)).toBe('$3,500');
    expect([plural('suv'), plural('truck')]).toEqual(['SUVs', 'trucks']);
  });
});

describe('Utterances and INJECTION_MARKERS', () => {
  it.each([
    ['training', 4],
    ['held-out', 2],
  ] as const)('marks every injection attempt, and no other utterance, even with typos (%s wordings)', (side, injectionWordings) => {
    const draws = new Draws(21);
    const say = new Utterances(draws, side);
    const injections = Array.from({ length: 100 }, () => say.injection());
    expect(injections.filter((text) => !INJECTION_MARKERS.test(text))).toEqual([]);
    expect(new Set(injections).size).toBe(injectionWordings);
    const criteria = { body: 'suv', fuel: 'hybrid', maxPrice: 31_000, minYear: 2021 };
    const others = Array.from({ length: 100 }, () => [
      say.search(criteria, 'a family SUV with room for everyone', draws.chance(0.5)),
      say.search({ ...criteria, make: 'Toyota', model: 'RAV4' }, 'a family SUV', false),
      say.changeOfMind(criteria),
      say.identify(VIN),
      say.details('the second one', draws.chance(0.5)),
      say.testDrive(`VIN ${VIN}`, 'saturday', 11, draws.chance(0.5)),
      say.takeTime('monday', 14),
      say.financing('it', 60, 3_000, 'fair', draws.chance(0.5)),
      say.creditAnswer('good'),
      say.tradeIn({ year: 2015, make: 'Honda', model: 'Civic', mileage: 120_000, condition: 'fair' }, draws.chance(0.5)),
      say.reserve('it', 500, draws.chance(0.5)),
      say.hours(undefined, draws.chance(0.5)),
      say.hours('airport', false),
      say.handOff('a lease buyout', draws.chance(0.5)),
      say.cancel(draws.chance(0.5) ? 'td_1a2b3c4d' : undefined),
      say.withSecondIntent('show me SUVs'),
      say.greeting(),
      say.closing(),
      say.outOfScope(),
    ]).flat();
    const typed = others.map((text) => withTypos(text, draws));
    expect([...others, ...typed].filter((text) => INJECTION_MARKERS.test(text))).toEqual([]);
  });

  it.each(['training', 'held-out'] as const)('puts what the request needs in each wording (%s wordings)', (side) => {
    const say = new Utterances(new Draws(4), side);
    for (let index = 0; index < 50; index++) {
      expect(say.testDrive('the first one', 'friday', 15, false)).toMatch(/the first one.*friday.*(3pm|15:00)/);
      expect(say.financing(`VIN ${VIN}`, 48, 2_500, undefined, false)).toMatch(new RegExp(`VIN ${VIN}.*48 months with \\$2,500 down`));
      expect(say.reserve('it', 750, false)).toMatch(/\$750/);
      const indirect = say.financing(`VIN ${VIN}`, 48, 2_500, 'fair', true);
      for (const needed of [`VIN ${VIN}`, '48 months with $2,500 down', 'fair credit']) expect(indirect).toContain(needed);
      expect(say.reserve('it', 750, true)).toMatch(/reserve it.* with a \$750 deposit/);
      expect(say.search({ body: 'truck', maxPrice: 28_000 }, 'a pickup truck that can tow a boat', false)).toMatch(/trucks? (under|below) (28k|\$28,000)/);
    }
  });
});
