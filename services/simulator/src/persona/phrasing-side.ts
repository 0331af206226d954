/**
 * The phrasing a campaign plays: `training` (every campaign by default) or `held-out`. The reference
 * customer's wordings of each request and the built-in persona traits (seed topics, hand-off topics)
 * are split by one rule, so that a model trained on training campaigns is measured on words it has
 * never seen: of every list of n ≥ 2 wordings or traits, the last ⌈n/3⌉ are held out and the rest
 * are for training. A training campaign never draws a held-out item; a held-out campaign draws only
 * held-out ones.
 */
export const PHRASING_SIDES = ['training', 'held-out'] as const;
export type PhrasingSide = (typeof PHRASING_SIDES)[number];

/** How many of n items are held out: the last ⌈n/3⌉ of two or more. */
export function heldOutCount(n: number): number {
  return n < 2 ? 0 : Math.ceil(n / 3);
}

/**
 * The items of a list on one side. A list of one item cannot be split: every list this rule is
 * applied to has two or more (a list of one is a mistake in the wordings, and throws).
 */
export function onSide<T>(items: readonly T[], side: PhrasingSide): readonly T[] {
  if (items.length < 2) throw new RangeError(`a list of ${items.length} wording cannot be split into training and held-out sides`);
  const training = items.length - heldOutCount(items.length);
  return side === 'training' ? items.slice(0, training) : items.slice(training);
}
