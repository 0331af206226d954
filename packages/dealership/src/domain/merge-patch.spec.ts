import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './dealership-rules.js';
import { applyMergePatch, inverseMergePatch, type JsonValue } from './merge-patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, replaces arrays and scalars, removes keys patched with null', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, d: [1, 2], e: 'x' }, { a: { b: 9 }, d: [3], e: null, f: true })).toEqual({ a: { b: 9, c: 2 }, d: [3], f: true });
  });

  it('undoes a patch with its inverse', () => {
    const patches: JsonValue[] = [{ hours: { sat: null } }, { reservations: { minDeposit: 1_000 } }, { financing: { termsMonths: [24, 36] } }, { unavailableTools: ['appraiseTradeIn'] }];
    for (const patch of patches) {
      const changed = applyMergePatch(DEFAULT_RULES, patch);
      expect(changed).not.toEqual(DEFAULT_RULES);
      expect(applyMergePatch(changed, inverseMergePatch(DEFAULT_RULES, patch))).toEqual(DEFAULT_RULES);
    }
  });
});
