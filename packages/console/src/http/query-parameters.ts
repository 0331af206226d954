import { echo } from '@distillery/contracts';
import { BadQueryParameterError } from './bad-query-parameter.error.js';

/** A whole-number query parameter in [min, max], `fallback` when absent; BadQueryParameterError naming it otherwise. */
export function integerParameter(name: string, value: unknown, range: { readonly min: number; readonly max: number; readonly fallback: number }): number {
  if (value === undefined) return range.fallback;
  const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= range.min && number <= range.max)) throw new BadQueryParameterError(name, `expected a whole number from ${range.min} to ${range.max}, got ${shown(value)}`);
  return number;
}

/** One of `allowed`, `fallback` when absent. */
export function choiceParameter<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new BadQueryParameterError(name, `expected one of ${allowed.join(', ')}, got ${shown(value)}`);
}

/** An id-like text parameter (letters, digits and ._:@+-), undefined when absent. */
export function idParameter(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$/.test(value)) return value;
  throw new BadQueryParameterError(name, `expected an id (letters, digits and ._:@+-, at most 200 characters), got ${shown(value)}`);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? echo(value, 60) : `${Array.isArray(value) ? 'several values' : typeof value}`;
}
