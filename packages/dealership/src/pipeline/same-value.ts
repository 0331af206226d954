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
