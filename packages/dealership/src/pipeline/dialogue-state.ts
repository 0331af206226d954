import { z } from 'zod';

/** What the Understander extracts from one utterance, in the context of the conversation. */
export const understandingSchema = z.object({
  intents: z.array(z.string().min(1)).min(1),
  entities: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** Free-form dialogue state the agent keeps between turns (e.g. the vehicle being discussed). */
  state: z.record(z.string(), z.unknown()).default({}),
  outOfScope: z.boolean().default(false),
});

export type Understanding = z.infer<typeof understandingSchema>;

export interface DialogueTurn {
  readonly user: string;
  readonly reply: string;
}

/** The memory a session carries from turn to turn. */
export interface DialogueState {
  readonly history: readonly DialogueTurn[];
  readonly entities: Readonly<Record<string, string | number | boolean | null>>;
  readonly state: Readonly<Record<string, unknown>>;
  /**
   * What the last listing showed the customer, in its order (e.g. VINs), however many turns ago:
   * "the second one from that list" points into it after replies that listed nothing. Absent in
   * sessions that have seen no listing (and in those stored before it was kept).
   */
  readonly listed?: readonly string[];
}

export const EMPTY_DIALOGUE: DialogueState = { history: [], entities: {}, state: {} };

/** The next turn's memory: entities and state merged, the last `keep` exchanges kept, the turn's listing (if it showed one) replacing the last. */
export function advanceDialogue(previous: DialogueState, understanding: Understanding, turn: DialogueTurn, listed?: readonly string[], keep = 6): DialogueState {
  const last = listed ?? previous.listed;
  return {
    history: [...previous.history, turn].slice(-keep),
    entities: { ...previous.entities, ...understanding.entities },
    state: { ...previous.state, ...understanding.state },
    ...(last ? { listed: last } : {}),
  };
}
