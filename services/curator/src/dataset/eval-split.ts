import { compare } from './refined-turn.js';
import { rankOf } from './seeded.js';

/** Which conversations train and which are held out; no conversation is in both. */
export interface ConversationSplit {
  readonly train: readonly string[];
  readonly eval: readonly string[];
}

/**
 * Holds out `evalShare` of the conversations (at least one when there are two or more and the
 * share is above 0), chosen by a seeded rank of their ids: the same conversations whatever order
 * the turns came in. Every call of a held-out conversation stays out of every training part.
 */
export function splitByConversation(conversationIds: Iterable<string>, options: { readonly seed: number; readonly evalShare: number }): ConversationSplit {
  const ids = [...new Set(conversationIds)];
  const ranked = ids.map((id) => ({ id, rank: rankOf(options.seed, 'eval-split', id) })).sort((a, b) => compare(a.rank, b.rank));
  const held = options.evalShare <= 0 || ids.length < 2 ? 0 : Math.min(ids.length - 1, Math.max(1, Math.round(ids.length * options.evalShare)));
  const evalIds = new Set(ranked.slice(0, held).map((entry) => entry.id));
  return { train: ids.filter((id) => !evalIds.has(id)).sort(compare), eval: [...evalIds].sort(compare) };
}
