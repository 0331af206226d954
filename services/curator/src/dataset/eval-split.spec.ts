import { describe, expect, it } from 'vitest';
import { splitByConversation } from './eval-split.js';

const ids = Array.from({ length: 50 }, (_, index) => `sess_${index}`);

describe('splitByConversation', () => {
  it('holds out the share of conversations, none in both splits, every one in one', () => {
    const split = splitByConversation(ids, { seed: 7, evalShare: 0.2 });
    expect(split.eval).toHaveLength(10);
    expect(split.train).toHaveLength(40);
    expect(split.train.filter((id) => split.eval.includes(id))).toEqual([]);
    expect(new Set([...split.train, ...split.eval])).toEqual(new Set(ids));
  });

  it('depends on the seed, not on the order the conversations came in', () => {
    const split = splitByConversation(ids, { seed: 7, evalShare: 0.2 });
    expect(splitByConversation([...ids].reverse(), { seed: 7, evalShare: 0.2 })).toEqual(split);
    expect(splitByConversation(ids, { seed: 8, evalShare: 0.2 }).eval).not.toEqual(split.eval);
  });

  it('holds out at least one of two or more, none of one, none at share 0', () => {
    expect(splitByConversation(['a', 'b'], { seed: 1, evalShare: 0.01 }).eval).toHaveLength(1);
    expect(splitByConversation(['a'], { seed: 1, evalShare: 0.5 })).toEqual({ train: ['a'], eval: [] });
    expect(splitByConversation(ids, { seed: 1, evalShare: 0 }).eval).toEqual([]);
  });
});
