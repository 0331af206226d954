import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toolCatalog } from '../domain/dealership-tools.js';
import { DEFAULT_RULES } from '../domain/dealership-rules.js';
import { validatePlan } from './plan-validator.js';

const catalog = toolCatalog(DEFAULT_RULES, new Date('2026-11-24T10:00:00Z'));

/** Pieces of plans — tools, keywords, names the validator forbids, punctuation, literals — glued at random. */
const token = fc.oneof(
  fc.constantFrom(...Object.keys(catalog), 'return', 'const', 'let', 'for', 'of', 'if', 'else', 'while', 'function', 'new', 'this', 'class', 'import', 'async', 'await', 'yield', 'delete', 'typeof', 'void', 'with'),
  fc.constantFrom('process', 'require', 'eval', 'globalThis', 'constructor', '__proto__', 'prototype', 'Function', 'arguments', 'Symbol', 'Reflect'),
  fc.constantFrom('(', ')', '{', '}', '[', ']', ';', ',', '.', '?.', ':', '=', '==', '===', '=>', '+', '-', '*', '/', '%', '!', '&&', '||', '??', '`', '${', '"', "'", '...', '\n', ' '),
  fc.string({ maxLength: 8 }),
  fc.integer().map(String),
  fc.double().map(String),
);

describe('validatePlan under fuzzing (fast-check)', () => {
  it('never throws on any text, and answers ok or violations with a code, a message and a position', () => {
    // A property that returns false fails (and shrinks to the smallest text that breaks it); one that throws fails too.
    const check = (code: string): boolean => {
      const result = validatePlan(code, catalog);
      if (result.ok) return Array.isArray(result.calls);
      return result.violations.length > 0 && result.violations.every((violation) => /^[A-Z_]+$/.test(violation.code) && violation.message.length > 0 && violation.line >= 1);
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: 500, seed: 7 });
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }).map((tokens) => tokens.join(' ')), check), { numRuns: 2_000, seed: 7 });
  });

  it('refuses every plan that names a way to the host, however it is dressed', () => {
    const asName = fc.tuple(fc.constantFrom('process', 'require', 'eval', 'globalThis', 'Function', 'Reflect', 'constructor', '__proto__'), fc.constantFrom('return %;', 'const x = %; return x;', 'return [%];', 'return `${%}`;', 'if (%) { return 1; }', 'return %({});'));
    const asProperty = fc.tuple(fc.constantFrom('constructor', '__proto__', 'prototype', '__defineGetter__'), fc.constantFrom('return searchInventory({}).%;', 'const v = getVehicle({ vin: "1HGCM82633A004352" }); return v.%;', 'return [].%;', 'return ({}).%;'));
    const hostile = fc.oneof(asName, asProperty);
    fc.assert(
      fc.property(hostile, ([name, shape]) => {
        expect(validatePlan(shape.replace('%', name), catalog).ok).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
