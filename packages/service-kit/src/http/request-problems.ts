import { echo, textProblem } from '@distillery/contracts';
import { fieldName, MAX_REPORTED_PROBLEMS } from './problem-list.js';

/** The longest path parameter or query value taken (ids, names, numbers: none comes near). */
export const MAX_PARAMETER_LENGTH = 256;
/** The longest key taken in a JSON body or a query. */
export const MAX_KEY_LENGTH = 128;
/** The deepest nesting taken in a JSON body. */
export const MAX_BODY_DEPTH = 32;

/** The parts of a request the edge checks. */
export interface RequestInput {
  readonly params?: unknown;
  readonly query?: unknown;
  readonly body?: unknown;
}

/** What is wrong with a request's text: the first MAX_REPORTED_PROBLEMS problems and how many there are in all. */
export interface RequestProblems {
  readonly problems: string[];
  readonly total: number;
}

/**
 * Checks every path parameter, query value and JSON body string and key against the text policy
 * (`textProblem`: no NUL or other control characters but tab, LF and CR, no lone surrogates), path
 * parameters and query values against MAX_PARAMETER_LENGTH, keys against MAX_KEY_LENGTH and the
 * body's nesting against MAX_BODY_DEPTH. Each problem names its field (`path.id`,
 * `query.datasetId`, `body.environment.inventory.makes[2]`) and quotes no more than `echo` does.
 */
export function requestProblems(request: RequestInput): RequestProblems {
  const problems: string[] = [];
  let total = 0;
  const add = (field: string, problem: string) => {
    total += 1;
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(`${field}: ${problem}`);
  };
  walkInput(request.params, 'path', MAX_PARAMETER_LENGTH, add);
  walkInput(request.query, 'query', MAX_PARAMETER_LENGTH, add);
  walkInput(request.body, 'body', undefined, add);
  return { problems, total };
}

/**
 * One part of the request, depth-first in document order; recursion stops at MAX_BODY_DEPTH.
 * `maxLength` bounds string values (undefined: the schemas bound each field).
 */
function walkInput(input: unknown, root: string, maxLength: number | undefined, add: (field: string, problem: string) => void): void {
  let tooDeep = false;
  const visit = (value: unknown, path: PropertyKey[]): void => {
    if (typeof value === 'string') {
      if (maxLength !== undefined && value.length > maxLength) return add(fieldName(root, path), `longer than ${maxLength} characters`);
      const problem = textProblem(value);
      if (problem) add(fieldName(root, path), problem);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (path.length >= MAX_BODY_DEPTH) {
      if (!tooDeep) add(root, `nested deeper than ${MAX_BODY_DEPTH} levels`);
      tooDeep = true;
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (key.length > MAX_KEY_LENGTH) add(fieldName(root, path), `a key is longer than ${MAX_KEY_LENGTH} characters: ${echo(key)}`);
      else if (keyProblem) add(fieldName(root, path), `a key ${keyProblem}`);
      else visit(item, [...path, key]);
    }
  };
  visit(input, []);
}
