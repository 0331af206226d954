import { describe, expect, it } from 'vitest';
import { MistakePlanner, NO_MISTAKES, uniformMistakes } from './mistakes.js';

describe('MistakePlanner', () => {
  it('never errs at rate 0', () => {
    const planner = new MistakePlanner(7, NO_MISTAKES);
    for (let i = 0; i < 200; i++) expect(planner.pick('planner', `prompt ${i}`)).toBeUndefined();
  });

  it('errs at about the configured rate, with every kind, reproducibly', () => {
    const planner = new MistakePlanner(7, uniformMistakes(0.2));
    const picks = Array.from({ length: 5000 }, (_, i) => planner.pick('planner', `prompt ${i}`));
    const rate = picks.filter(Boolean).length / picks.length;
    expect(rate).toBeGreaterThan(0.17);
    expect(rate).toBeLessThan(0.23);
    expect(new Set(picks.filter(Boolean))).toEqual(new Set(['missing-tool-call', 'wrong-tool-call', 'rule-violation']));
    expect(Array.from({ length: 5000 }, (_, i) => new MistakePlanner(7, uniformMistakes(0.2)).pick('planner', `prompt ${i}`))).toEqual(picks);
  });

  it('depends on the seed', () => {
    const a = Array.from({ length: 500 }, (_, i) => new MistakePlanner(1, uniformMistakes(0.5)).pick('explainer', `p${i}`));
    const b = Array.from({ length: 500 }, (_, i) => new MistakePlanner(2, uniformMistakes(0.5)).pick('explainer', `p${i}`));
    expect(a).not.toEqual(b);
  });
});
