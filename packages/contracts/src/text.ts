import { z } from 'zod';

/**
 * The one policy for text that comes from outside (an API field, a path, a record another
 * producer wrote): what the edges refuse, what may be stored, and how much of it an error echoes.
 *
 * PostgreSQL refuses U+0000 in text and in JSON (`unsupported Unicode escape sequence`,
 * `invalid byte sequence for encoding "UTF8": 0x00`), and a lone UTF-16 surrogate has no UTF-8
 * form at all. Edges refuse both, and the other C0 control characters except tab, LF and CR,
 * with an error naming the field; what is stored from elsewhere goes through `storableText`.
 */

/** How much of a user's input an error message repeats. */
export const ECHO_LIMIT = 64;

// C0 controls other than \t \n \r, DEL, and surrogates not part of a pair.
// eslint-disable-next-line no-control-regex -- control characters are what this policy finds
const BAD_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
const BAD_TEXT_GLOBAL = new RegExp(BAD_TEXT.source, 'gu');

/** Why `value` is not acceptable text (a control character, a lone surrogate), or undefined when it is. */
export function textProblem(value: string): string | undefined {
  const match = BAD_TEXT.exec(value);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const what = code >= 0xd800 && code <= 0xdfff ? 'a lone UTF-16 surrogate' : 'a control character';
  return `contains ${what} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) at index ${match.index}`;
}

/** `value` with every character `textProblem` refuses replaced by U+FFFD: safe for a PostgreSQL text or JSON column. */
export function storableText(value: string): string {
  return BAD_TEXT.test(value) ? value.replace(BAD_TEXT_GLOBAL, '\uFFFD') : value;
}

/** A JSON-like value with every string (keys too) made storable; the same object when nothing needed it (the usual case, checked without allocating). */
export function storableValue<T>(value: T): T {
  return valueTextProblem(value) === undefined ? value : (cleaned(value) as T);
}

/** The first string or key in a JSON-like value that `textProblem` refuses, described ("holds a key that contains …"); undefined when there is none. */
export function valueTextProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem && `holds a string that ${problem}`;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = valueTextProblem(item);
      if (problem) return problem;
    }
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key in value) {
      const problem = textProblem(key);
      if (problem) return `holds a key that ${problem}`;
      const inner = valueTextProblem((value as Record<string, unknown>)[key]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function cleaned(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(cleaned);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), cleaned(item)]));
  }
  return value;
}

/** A short, printable quote of user input for an error message: at most ECHO_LIMIT characters, then how long it was. */
export function echo(value: string, limit = ECHO_LIMIT): string {
  const quoted = JSON.stringify(storableText(value.length > limit ? value.slice(0, limit) : value));
  return value.length > limit ? `${quoted}… (${value.length} characters)` : quoted;
}

/** A zod string that refuses what `textProblem` refuses and anything over `max` characters. */
export function safeText(max: number): z.ZodString {
  return z
    .string()
    .max(max, { message: `longer than ${max} characters` })
    .superRefine((value, ctx) => {
      const problem = textProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
