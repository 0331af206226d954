import { echo } from '@distillery/contracts';
import type { z } from 'zod';
import { fieldName, MAX_REPORTED_PROBLEMS } from './problem-list.js';

/** How many unknown keys one issue quotes. */
const QUOTED_KEYS = 3;

/**
 * Zod issues as `field: message` lines for a 400, at most MAX_REPORTED_PROBLEMS of them (pass
 * `issues.length` to `listProblems` as the total). Keys in the field's name and the unknown keys
 * zod reports are quoted with `echo`, never repeated whole. Fields are named from `root`
 * (`body`, or '' for names relative to the document; the document itself is then `body`).
 */
export function issueLines(issues: readonly z.core.$ZodIssue[], root = ''): string[] {
  return issues.slice(0, MAX_REPORTED_PROBLEMS).map((issue) => `${fieldName(root, issue.path) || 'body'}: ${issueMessage(issue)}`);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const quoted = issue.keys.slice(0, QUOTED_KEYS).map((key) => echo(key, 32));
    const more = issue.keys.length - quoted.length;
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${quoted.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  }
  return issue.message;
}
