/**
 * What the curator reads back from a recorded prompt transcript (`<|role|>\ncontent` per message,
 * as @distillery/llm renderTranscript writes it): the call's input, the turn's clock, the
 * Planner's understanding. The prompts are the agents' own; nothing else is needed beside them.
 */

const USER_MARKER = '<|user|>\n';

/** The last user message: the call's input (the customer's utterance for the Understander). */
export function lastUserMessage(prompt: string): string | undefined {
  const at = prompt.lastIndexOf(USER_MARKER);
  return at < 0 ? undefined : prompt.slice(at + USER_MARKER.length);
}

/** The turn's clock from the prompt's `## Now` section. */
export function nowOf(prompt: string): Date | undefined {
  const match = /(?:^|\n)## Now\n([^\n]+)/.exec(prompt);
  const now = match ? new Date(match[1]!.trim()) : undefined;
  return now && !Number.isNaN(now.getTime()) ? now : undefined;
}

/** The `Understanding: {…}` line of a Planner prompt's input, parsed. */
export function understandingOf(prompt: string): { intents?: unknown; entities?: Record<string, unknown> } | undefined {
  const line = lastUserMessage(prompt)
    ?.split('\n')
    .find((candidate) => candidate.startsWith('Understanding: '));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice('Understanding: '.length)) as { entities?: Record<string, unknown> };
  } catch {
    return undefined;
  }
}
