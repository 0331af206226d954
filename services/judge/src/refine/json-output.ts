import type { z } from 'zod';

export type JsonOutput<T> = { readonly ok: true; readonly value: T; readonly problems: string[] } | { readonly ok: false; readonly problems: string[] };

/**
 * Reads an output that should be one JSON object of `schema` the way the pipeline does (from the
 * first `{` to the last `}`), and says what is wrong with it as a training target: no object, not
 * JSON, text around it, fields off the schema.
 */
export function readJsonOutput<T>(output: string, schema: z.ZodType<T>): JsonOutput<T> {
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  if (start < 0 || end < start) return { ok: false, problems: ['the output is not a JSON object'] };
  let json: unknown;
  try {
    json = JSON.parse(output.slice(start, end + 1));
  } catch (error) {
    return { ok: false, problems: [`the output is not valid JSON: ${(error as Error).message}`] };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(object)'}: ${issue.message}`) };
  const problems = output.slice(0, start).trim() || output.slice(end + 1).trim() ? ['the output has text around its JSON object'] : [];
  return { ok: true, value: parsed.data, problems };
}

/**
 * Whether two extracted values mean the same: null and absent alike, numbers by value (`35000`
 * and `"35000"`), text without regard to case or spacing, comma lists and arrays as sets.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  const items = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : typeof value === 'string' && value.includes(',') ? value.split(',') : undefined);
  const [left, right] = [items(a), items(b)];
  if (left && right) return left.length === right.length && left.every((item) => right.some((other) => sameValue(item, other)));
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a).trim().toLowerCase() === String(b).trim().toLowerCase();
}

/** A value for a reason: JSON, or `none` when absent. */
export function shown(value: unknown): string {
  return value === undefined || value === null ? 'none' : JSON.stringify(value);
}
