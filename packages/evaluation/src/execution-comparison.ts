import type { PlanRun } from './plan-executor.js';

/** The ids tools make up at random (test drive, reservation, hand-off ticket): equal runs differ in them and only in them. */
const GENERATED_ID = /^(td|res|ho)_[0-9a-f]{10}$/;

/** JSON with keys sorted at every level, so equal data reads the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

/** The run with every generated id replaced by its prefix and order of first appearance (`td_#1`), one numbering across the whole run. */
function withStableIds(run: PlanRun): PlanRun {
  const seen = new Map<string, string>();
  const stable = (value: unknown): unknown => {
    if (typeof value === 'string' && GENERATED_ID.test(value)) {
      if (!seen.has(value)) seen.set(value, `${value.slice(0, value.indexOf('_'))}_#${seen.size + 1}`);
      return seen.get(value);
    }
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map(stable);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stable(item)]));
    return value;
  };
  return stable(run) as PlanRun;
}

/**
 * What a plan hands the Explainer, named-field-blind where the name is the plan's own choice: the
 * returned object's structured values (tool results, intents) as a multiset, its scalar flags
 * (`greeting: true`, `needs`…) with their names.
 */
function handedOver(result: unknown): string[] {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return [canonicalJson(result)];
  return Object.entries(result)
    .map(([key, value]) => (value !== null && typeof value === 'object' ? canonicalJson(value) : `${key}=${canonicalJson(value)}`))
    .sort();
}

function multisetDifference(from: readonly string[], other: readonly string[]): string[] {
  const left = [...other];
  return from.filter((item) => {
    const index = left.indexOf(item);
    if (index < 0) return true;
    left.splice(index, 1);
    return false;
  });
}

const shorten = (text: string) => (text.length > 160 ? `${text.slice(0, 157)}...` : text);

/**
 * Why two runs of the dealership are not equivalent (none: they are): the same tool calls (name
 * and arguments, as a multiset), each with the same result, the same state left behind (test
 * drives, reservations) and the same things handed to the Explainer — generated ids aside.
 */
export function executionDifferences(reference: PlanRun, candidate: PlanRun): string[] {
  const [right, got] = [withStableIds(reference), withStableIds(candidate)];
  const calls = (run: PlanRun) => run.toolCalls.map((call) => `${call.tool}(${canonicalJson(call.args)})`).sort();
  const differences = [
    ...multisetDifference(calls(right), calls(got)).map((call) => `the plan never calls ${shorten(call)}, which the reference plan does`),
    ...multisetDifference(calls(got), calls(right)).map((call) => `the plan calls ${shorten(call)}, which the reference plan does not`),
  ];
  if (!differences.length) {
    const results = (run: PlanRun) => run.toolCalls.map((call) => `${call.tool}(${canonicalJson(call.args)}) -> ${canonicalJson(call.result)}`).sort();
    if (multisetDifference(results(right), results(got)).length) differences.push('the same tool calls returned different results (the calls ran in a different order or state)');
  }
  if (canonicalJson(right.effects) !== canonicalJson(got.effects)) {
    differences.push(`the plan leaves the dealership with ${got.effects.testDrives.length} test drive(s) and ${got.effects.reservations.length} reservation(s) that differ from the reference plan's ${right.effects.testDrives.length} and ${right.effects.reservations.length}`);
  }
  if (right.ok !== got.ok) differences.push(got.ok ? `the reference plan failed (${right.error}) but this one ran` : `the plan failed in the sandbox: ${got.error}`);
  const [rightHanded, gotHanded] = [handedOver(right.result), handedOver(got.result)];
  const missing = multisetDifference(rightHanded, gotHanded);
  const extra = multisetDifference(gotHanded, rightHanded);
  if (missing.length || extra.length) {
    differences.push(`the plan returns something else to the Explainer${missing.length ? `; missing ${missing.map(shorten).join(', ')}` : ''}${extra.length ? `; extra ${extra.map(shorten).join(', ')}` : ''}`);
  }
  return differences;
}
