import { describe, expect, it } from 'vitest';
import { InvalidCampaignError } from '../errors/invalid-campaign.error.js';
import { DEFAULT_INTENT_MIX, DEFAULT_TOPICS, GOAL_KINDS, SWITCH_KINDS } from './campaign-spec.js';
import { type CampaignDefaults, newCampaignId, resolveCampaignSpec } from './resolve-campaign-spec.js';

const DEFAULTS: CampaignDefaults = { policy: 'reference', dealershipSeed: 11 };

/** The problems a rejected request is answered with (fails the test when the request is accepted). */
function problemsOf(request: unknown): readonly string[] {
  return refusalOf(request).problems;
}

function refusalOf(request: unknown): InvalidCampaignError {
  try {
    resolveCampaignSpec(request, DEFAULTS);
  } catch (error) {
    if (error instanceof InvalidCampaignError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(request)} to be rejected`);
}

describe('resolveCampaignSpec', () => {
  it('fills every default, the policy, the dealership seed and a fresh id', () => {
    const spec = resolveCampaignSpec({ count: 20 }, DEFAULTS);
    expect(spec).toEqual({
      campaignId: expect.stringMatching(/^camp_\d{8}_\d{6}_[0-9a-f]{6}$/) as unknown,
      count: 20,
      seed: 7,
      concurrency: 4,
      policy: 'reference',
      intentMix: DEFAULT_INTENT_MIX,
      topics: DEFAULT_TOPICS.slice(0, 5),
      phrasing: 'training',
      environment: { inventory: {}, customers: {}, dealershipSeed: 11 },
      personaTraits: { typoRate: 0.15, indirectRate: 0.3, changeOfMindRate: 0.15, multiIntentRate: 0.15, outOfScopeRate: 0.1, chattyRate: 0.5, patience: 3 },
      injectionRate: 0.05,
      switchRate: 0.1,
      switchKinds: [...SWITCH_KINDS],
      maxTurns: 12,
      llm: { temperature: 0.7, maxTokens: 200 },
    });
  });

  it('keeps what the request says over the defaults, and fills the rest of a partly given section', () => {
    const spec = resolveCampaignSpec(
      {
        campaignId: 'nightly.2026-11-24',
        count: 5,
        seed: 99,
        policy: 'llm',
        intentMix: { financing: 2, trade_in: 1 },
        environment: { dealershipSeed: 3, inventory: { bodies: ['suv'], maxPrice: 30_000 } },
        personaTraits: { typoRate: 0.5, patience: 5 },
        llm: { model: 'small-sim', temperature: 0 },
      },
      DEFAULTS,
    );
    expect(spec).toMatchObject({
      campaignId: 'nightly.2026-11-24',
      seed: 99,
      policy: 'llm',
      intentMix: { financing: 2, trade_in: 1 },
      environment: { dealershipSeed: 3, inventory: { bodies: ['suv'], maxPrice: 30_000 }, customers: {} },
      personaTraits: { typoRate: 0.5, indirectRate: 0.3, chattyRate: 0.5, patience: 5 },
      llm: { model: 'small-sim', temperature: 0, maxTokens: 200 },
    });
    // The request's mix replaces the default one: no other goal is drawn.
    expect(Object.keys(spec.intentMix)).toEqual(['financing', 'trade_in']);
  });

  it('answers the same spec for the same request and id, and the stored spec resolves to itself', () => {
    const request = { campaignId: 'camp-a', count: 30, intentMix: { browse: 1 }, environment: { customers: { refs: ['cust_0001'] } } };
    const first = resolveCampaignSpec(request, DEFAULTS);
    expect(resolveCampaignSpec(structuredClone(request), DEFAULTS)).toEqual(first);
    // A resumed campaign re-reads its stored spec: nothing may change, whatever the service's defaults are now.
    expect(resolveCampaignSpec(JSON.parse(JSON.stringify(first)) as unknown, { policy: 'llm', dealershipSeed: 99 })).toEqual(first);
  });

  it('assigns a different id to each request without one, and nothing else differs', () => {
    const { campaignId: a, ...restA } = resolveCampaignSpec({ count: 3 }, DEFAULTS);
    const { campaignId: b, ...restB } = resolveCampaignSpec({ count: 3 }, DEFAULTS);
    expect(a).not.toBe(b);
    expect(restA).toEqual(restB);
  });

  it('names each problem of a bad request by its path', () => {
    expect(problemsOf({ count: 0 })).toEqual(['count: Too small: expected number to be >=1']);
    expect(problemsOf({ count: 3, intentMix: { browse: 1, teleport: 1 } })).toEqual([expect.stringMatching(/^intentMix: unknown intent "teleport" \(known: browse, test_drive, .*hand_off\)$/)]);
    expect(problemsOf({ count: 3, intentMix: { browse: 0, financing: 0 } })).toEqual(['intentMix: at least one intent needs a weight above 0']);
    expect(problemsOf({ count: 3, intentMix: { browse: -1, financing: 1 } })).toEqual(['intentMix.browse: intent weights are ≥ 0']);
    expect(problemsOf({ count: 3, environment: { customers: { refs: ['cust_0001', 'bob'] } } })).toEqual(['environment.customers.refs[1]: expected a customer ref such as cust_0001']);
    expect(problemsOf({ count: 3, environment: { inventory: { bodies: ['spaceship'] } } })).toEqual([expect.stringMatching(/^environment\.inventory\.bodies\[0\]: /)]);
    expect(problemsOf({ count: 3, unknownField: true })).toEqual(['body: unknown key "unknownField"']);
    expect(problemsOf('twenty')).toEqual([expect.stringMatching(/^body: .*expected object/)]);
  });

  it('lists every problem at once, rates above 1 included', () => {
    const problems = problemsOf({ count: 0, injectionRate: 1.5, switchRate: 2, personaTraits: { typoRate: 1.2, patience: 0 }, intentMix: { hand_off: 0 }, maxTurns: 0 });
    expect([...problems].sort()).toEqual(
      [
        'count: Too small: expected number to be >=1',
        'injectionRate: expected a share between 0 and 1',
        'switchRate: expected a share between 0 and 1',
        'personaTraits.typoRate: expected a share between 0 and 1',
        'personaTraits.patience: Too small: expected number to be >=1',
        'intentMix: at least one intent needs a weight above 0',
        'maxTurns: Too small: expected number to be >=1',
      ].sort(),
    );
    expect(() => resolveCampaignSpec({ count: 0 }, DEFAULTS)).toThrow(/^invalid campaign: count: /);
  });

  it.each([
    ['NUL', 'a\u0000b', 'a control character (U+0000)'],
    ['ESC', 'a\u001Bb', 'a control character (U+001B)'],
    ['DEL', 'a\u007Fb', 'a control character (U+007F)'],
    ['a lone surrogate', 'a\uD83Db', 'a lone UTF-16 surrogate (U+D83D)'],
    ['lone surrogates around an emoji', '\uD83D\uD83D\uDE00\uDE00', 'a lone UTF-16 surrogate (U+D83D)'],
  ])('refuses %s in every text field, naming it', (_, bad, what) => {
    const template = `You are {{persona}}. ${bad} Your goal: {{goal}}.`;
    expect(problemsOf({ count: 1, topics: ['a reliable sedan', bad] })).toEqual([expect.stringContaining(`topics[1]: contains ${what}`)]);
    expect(problemsOf({ count: 1, environment: { inventory: { makes: ['Ford', 'Kia', bad] } } })).toEqual([expect.stringContaining(`environment.inventory.makes[2]: contains ${what}`)]);
    expect(problemsOf({ count: 1, llm: { model: bad } })).toEqual([expect.stringContaining(`llm.model: contains ${what}`)]);
    expect(problemsOf({ count: 1, llm: { promptTemplate: template } })).toEqual([expect.stringContaining(`llm.promptTemplate: contains ${what}`)]);
    expect(problemsOf({ count: 1, campaignId: bad })).toEqual([expect.stringMatching(/^campaignId: expected letters/)]);
  });

  it('bounds the length of every text field and list', () => {
    expect(problemsOf({ count: 1, topics: ['t'.repeat(201)] })).toEqual(['topics[0]: longer than 200 characters']);
    expect(problemsOf({ count: 1, topics: Array.from({ length: 1_001 }, (_, index) => `topic ${index}`) })).toEqual([expect.stringMatching(/^topics: Too big: expected array to have <=1000 items$/)]);
    expect(problemsOf({ count: 1, environment: { inventory: { makes: ['m'.repeat(65)] } } })).toEqual(['environment.inventory.makes[0]: longer than 64 characters']);
    expect(problemsOf({ count: 1, llm: { model: 'x'.repeat(201) } })).toEqual(['llm.model: longer than 200 characters']);
    expect(problemsOf({ count: 1, llm: { promptTemplate: 'p'.repeat(20_001) } })).toEqual(['llm.promptTemplate: longer than 20000 characters']);
    expect(problemsOf({ count: 1, campaignId: 'c'.repeat(100_000) })).toEqual([expect.stringMatching(/^campaignId: expected letters, digits and \._:- \(at most 80 characters\)$/)]);
  });

  it('answers 5,000 unknown intents in a few hundred characters: the known ones named once, the unknown ones counted', () => {
    const intentMix = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`intent_${index}`, 1]));
    const refusal = refusalOf({ count: 1, intentMix });
    expect(refusal.problems).toEqual([expect.stringMatching(/^intentMix: unknown intents "intent_0", "intent_1", "intent_2" and 4997 more \(known: browse, .*hand_off\)$/)]);
    expect(refusal.message.length).toBeLessThan(400);
  });

  it('reports the first 10 problems of thousands, then how many more', () => {
    const refusal = refusalOf({ count: 1, intentMix: Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`intent_${index}`, -1])) });
    expect(refusal.problems).toHaveLength(10);
    expect(refusal.total).toBe(5_002);
    expect(refusal.message).toMatch(/; and 4992 more problems$/);
    expect(refusal.message.length).toBeLessThan(1_500);
  });

  it('takes rates of exactly 0 and 1, and every goal kind in the mix', () => {
    const spec = resolveCampaignSpec({ count: 1, injectionRate: 1, switchRate: 0, intentMix: Object.fromEntries(GOAL_KINDS.map((kind) => [kind, 1])) }, DEFAULTS);
    expect(spec).toMatchObject({ injectionRate: 1, switchRate: 0 });
    expect(Object.keys(spec.intentMix)).toEqual([...GOAL_KINDS]);
  });
});

describe('newCampaignId', () => {
  it('stamps the time in UTC and ends in six hex digits', () => {
    expect(newCampaignId(new Date('2026-11-24T12:00:05.123Z'))).toMatch(/^camp_20261124_120005_[0-9a-f]{6}$/);
  });
});
