import { parseJson, sameValue, type Understanding, understandingSchema } from '@distillery/dealership';
import type { MetricScores } from './call-score.js';

type Entities = Understanding['entities'];

/** The entities stated (a null value states nothing). */
function stated(entities: Entities): Array<[string, Entities[string]]> {
  return Object.entries(entities).filter(([, value]) => value !== null && value !== undefined);
}

/**
 * Micro F1 over the call's key=value entity pairs: a pair counts as found when the reference has
 * the same key with the same value, values compared as the judge compares them (sameValue: numbers
 * by value, text without case or spacing, lists as sets). No entities on either side scores 1.
 */
export function entityF1(reference: Entities, candidate: Entities): { f1: number; missed: string[]; extra: string[] } {
  const want = stated(reference);
  const have = stated(candidate);
  const found = have.filter(([key, value]) => key in reference && sameValue(reference[key], value));
  const foundKeys = new Set(found.map(([key]) => key));
  const f1 = want.length + have.length === 0 ? 1 : (2 * found.length) / (want.length + have.length);
  return {
    f1,
    missed: want.filter(([key]) => !foundKeys.has(key)).map(([key, value]) => `${key}=${JSON.stringify(value)}`),
    extra: have.filter(([key]) => !foundKeys.has(key)).map(([key, value]) => `${key}=${JSON.stringify(value)}`),
  };
}

/** The Understander: `parsed` (one JSON object of the Understanding's shape, read as the pipeline reads it), `intent_accuracy` (the same set of intents), `entity_f1`. */
export function scoreUnderstanding(reference: string, candidate: string): MetricScores {
  const right = parseJson(understandingSchema, reference);
  const got = parseJson(understandingSchema, candidate);
  const problems: string[] = [];
  if (!right) problems.push('the reference is not an Understanding the pipeline can read');
  if (!got) return { metrics: { parsed: 0, intent_accuracy: 0, entity_f1: 0 }, problems: [...problems, 'the output is not an Understanding the pipeline can read (one JSON object with intents, entities, state, outOfScope)'] };
  if (!right) return { metrics: { parsed: 1, intent_accuracy: 0, entity_f1: 0 }, problems };
  const [want, have] = [new Set(right.intents), new Set(got.intents)];
  const sameIntents = want.size === have.size && [...want].every((intent) => have.has(intent));
  if (!sameIntents) problems.push(`intents: expected ${JSON.stringify([...want])}, got ${JSON.stringify([...have])}`);
  const entities = entityF1(right.entities, got.entities);
  if (entities.missed.length) problems.push(`entities missed or wrong: ${entities.missed.join(', ')}`);
  if (entities.extra.length) problems.push(`entities not in the reference: ${entities.extra.join(', ')}`);
  return { metrics: { parsed: 1, intent_accuracy: sameIntents ? 1 : 0, entity_f1: entities.f1 }, problems };
}
