import { storableText } from '@distillery/contracts';
import { EXIT_REASONS, type ExitReason } from './user-simulator.js';

const EXIT = new RegExp(`(?:^|\\s)EXIT\\b[\\s:=-]*(${EXIT_REASONS.join('|')})?`);

/**
 * The EXIT token in a simulator model's output, with its reason (goal_reached when none is named),
 * or undefined when the output is an utterance. A message that says goodbye and then EXIT is an
 * exit: the goodbye is not sent.
 */
export function readExit(output: string): { reason: ExitReason } | undefined {
  const match = EXIT.exec(output.trim());
  if (!match) return undefined;
  return { reason: (match[1] as ExitReason | undefined) ?? 'goal_reached' };
}

/**
 * The utterance in a model's output: surrounding quotes and a `Customer:` label removed, and what
 * the agents refuse (NUL, other control characters, lone surrogates) replaced with U+FFFD.
 */
export function cleanUtterance(output: string): string {
  return storableText(output)
    .trim()
    .replace(/^(customer|user|me)\s*:\s*/i, '')
    .replace(/^["“](.*)["”]$/s, '$1')
    .trim();
}
