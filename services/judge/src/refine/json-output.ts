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

export { sameValue } from '@distillery/dealership';

/** A value for a reason: JSON, or `none` when absent. */
export function shown(value: unknown): string {
  return value === undefined || value === null ? 'none' : JSON.stringify(value);
}
