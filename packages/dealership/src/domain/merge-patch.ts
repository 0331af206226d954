/** A JSON value as a merge patch carries it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const isObject = (value: unknown): value is Record<string, JsonValue> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else
 * (arrays included) replaces. `target` is not modified.
 */
export function applyMergePatch<T>(target: T, patch: JsonValue): T {
  if (!isObject(patch)) return structuredClone(patch) as T;
  const result: Record<string, unknown> = isObject(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result as T;
}

/**
 * The merge patch that undoes `patch` on `before`: for every key the patch touches, the value it
 * had (or `null` where it had none). applyMergePatch(applyMergePatch(before, patch), inverse) = before.
 */
export function inverseMergePatch(before: unknown, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return structuredClone((before ?? null) as JsonValue);
  const inverse: Record<string, JsonValue> = {};
  const previous = isObject(before) ? before : {};
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in previous)) inverse[key] = null;
    else if (isObject(value) && isObject(previous[key])) inverse[key] = inverseMergePatch(previous[key], value);
    else inverse[key] = structuredClone(previous[key]!);
  }
  return inverse;
}
