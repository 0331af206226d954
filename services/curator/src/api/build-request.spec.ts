import { describe, expect, it } from 'vitest';
import { InvalidBuildRequestError } from '../errors/invalid-build-request.error.js';
import { parseBuildRequest } from './build-request.js';

/** The problems a refused body is answered with (fails the test when the body is taken). */
function problemsOf(body: unknown): readonly string[] {
  try {
    parseBuildRequest(body);
  } catch (error) {
    if (error instanceof InvalidBuildRequestError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

describe('parseBuildRequest', () => {
  it('takes a campaign or everything', () => {
    expect(parseBuildRequest({ campaignId: 'camp_1' })).toEqual({ campaignId: 'camp_1' });
    expect(parseBuildRequest({ all: true })).toEqual({ all: true });
  });

  it.each([
    ['NUL', 'camp\u0000x', 'a control character (U+0000)'],
    ['DEL', 'camp\u007Fx', 'a control character (U+007F)'],
    ['a lone surrogate', 'camp\uDC00', 'a lone UTF-16 surrogate (U+DC00)'],
    ['lone surrogates around an emoji', '\uD83D\uD83D\uDE00\uDE00', 'a lone UTF-16 surrogate (U+D83D)'],
  ])('refuses %s in campaignId, naming the field', (_, campaignId, what) => {
    expect(problemsOf({ campaignId })).toEqual([expect.stringMatching(new RegExp(`^campaignId: contains ${what.replace(/[()+]/g, '\\$&')} at index \\d+$`))]);
  });

  it('bounds campaignId, names the body shape when neither form is given, and quotes unknown keys bounded', () => {
    expect(problemsOf({ campaignId: 'c'.repeat(100_000) })).toEqual(['campaignId: longer than 200 characters']);
    expect(problemsOf({ campaignId: '' })).toEqual([expect.stringMatching(/^campaignId: /)]);
    expect(problemsOf({})).toEqual(['body: expected {"campaignId": "<id>"} or {"all": true}']);
    expect(problemsOf('camp_1')).toEqual(['body: expected {"campaignId": "<id>"} or {"all": true}']);
    expect(problemsOf({ all: false })).toEqual([expect.stringMatching(/^all: /)]);
    expect(problemsOf({ campaignId: 'camp_1', [`k${'x'.repeat(90_000)}`]: 1 })).toEqual([expect.stringMatching(/^body: unknown key "kx{31}"… \(90001 characters\)$/)]);
  });
});
