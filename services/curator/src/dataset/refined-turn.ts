import type { TraceRefined } from '@distillery/contracts';

/** One judged turn as the curator keeps it: the traces.refined message, and the id of the event that carried it when known. */
export type RefinedTurn = TraceRefined & { readonly eventId?: string };

export type RefinedCall = TraceRefined['calls'][number];

/** Turns in one canonical order (conversation, turn index, turn id), whatever order they arrived in. */
export function sortTurns(turns: readonly RefinedTurn[]): RefinedTurn[] {
  return [...turns].sort((a, b) => compare(a.conversationId, b.conversationId) || a.turnIndex - b.turnIndex || compare(a.turnId, b.turnId));
}

/** Turns grouped by conversation, in canonical order. */
export function byConversation(turns: readonly RefinedTurn[]): Map<string, RefinedTurn[]> {
  const groups = new Map<string, RefinedTurn[]>();
  for (const turn of sortTurns(turns)) {
    const group = groups.get(turn.conversationId);
    if (group) group.push(turn);
    else groups.set(turn.conversationId, [turn]);
  }
  return groups;
}

/** The dataset row id of one agent call: unique across turns (turn ids are). */
export function callRowId(turn: RefinedTurn, call: RefinedCall): string {
  return `${turn.turnId}:${call.callId}`;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
