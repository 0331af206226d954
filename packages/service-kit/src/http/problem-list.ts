import { echo } from '@distillery/contracts';

/** How many problems one error message lists; the rest are counted ("and N more problems"). */
export const MAX_REPORTED_PROBLEMS = 10;

/** How long a field's name may be in an error (a deep path of long keys is cut in the middle). */
const MAX_FIELD_NAME = 160;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A field's name for an error message: `body.environment.inventory.makes[2]`. Keys that are not
 * identifiers are quoted (and bounded) with `echo`; a name too long is cut in the middle.
 */
export function fieldName(root: string, path: readonly PropertyKey[]): string {
  let name = root;
  for (const segment of path) {
    if (typeof segment === 'number') name += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment) && segment.length <= 64) name += name ? `.${segment}` : segment;
    else name += `[${echo(String(segment), 32)}]`;
  }
  if (name.length <= MAX_FIELD_NAME) return name;
  const half = MAX_FIELD_NAME / 2;
  return `${name.slice(0, half)}…${name.slice(-half)}`;
}

/** The problems as one message: the first MAX_REPORTED_PROBLEMS, then how many more there are (`total` counts them all). */
export function listProblems(problems: readonly string[], total = problems.length): string {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
  const more = total - shown.length;
  return more > 0 ? [...shown, `and ${more} more problems`].join('; ') : shown.join('; ');
}
