import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { halsteadOf } from './halstead.js';
import { type PlanToolCatalog, validatePlan } from './plan-validator.js';
import { renderViolations } from './plan-violation.js';

const tools: PlanToolCatalog = {
  searchInventory: { args: z.object({ make: z.string().optional(), maxPrice: z.number().positive().optional(), limit: z.number().int().max(20).optional() }) },
  estimateFinancing: {
    args: z.object({ vin: z.string().length(17), termMonths: z.number().int(), downPayment: z.number().nonnegative() }),
    staticRules: (args) => ((args.termMonths as number) > 84 || (args.termMonths as number) < 24 ? ['termMonths must be between 24 and 84'] : []),
  },
};

const codes = (code: string) => {
  const check = validatePlan(code, tools);
  return check.ok ? [] : check.violations.map((violation) => violation.code);
};

describe('validatePlan', () => {
  it('accepts a plan in the subset and lists its tool calls', () => {
    const check = validatePlan(
      `const found = searchInventory({ make: "Toyota", maxPrice: 30000, limit: 5 });
       if (!found.ok) { return { error: found.error }; }
       const picks = [];
       for (const v of found.vehicles) { if (v.price < 25000) picks.push; }
       return { count: found.vehicles.length, first: found.vehicles[0]?.vin };`,
      tools,
    );
    expect(check).toMatchObject({ ok: true, toolCalls: ['searchInventory'], calls: [{ tool: 'searchInventory', args: { make: 'Toyota', maxPrice: 30000, limit: 5 } }] });
  });

  it.each([
    ['eval', 'return eval("1");', 'FORBIDDEN_IDENTIFIER'],
    ['Function', 'return Function("return 1")();', 'FORBIDDEN_IDENTIFIER'],
    ['import()', 'return import("fs");', 'FORBIDDEN_SYNTAX'],
    ['prototype access', 'const a = {}; return a.__proto__;', 'FORBIDDEN_IDENTIFIER'],
    ['constructor by string', 'const a = []; return a["constructor"];', 'FORBIDDEN_IDENTIFIER'],
    ['globalThis', 'return globalThis;', 'FORBIDDEN_IDENTIFIER'],
    ['this', 'return this;', 'FORBIDDEN_SYNTAX'],
    ['new', 'return new Date();', 'FORBIDDEN_SYNTAX'],
    ['a function', 'function f() { return 1; } return f();', 'FORBIDDEN_SYNTAX'],
    ['an arrow', 'const f = () => 1; return 1;', 'FORBIDDEN_SYNTAX'],
    ['while', 'while (true) {} return 1;', 'FORBIDDEN_SYNTAX'],
    ['a method call', 'const a = [1]; return a.map(String);', 'FORBIDDEN_SYNTAX'],
    ['member assignment', 'const a = {}; a.x = 1; return a;', 'FORBIDDEN_SYNTAX'],
    ['an unknown tool', 'return deleteDatabase({});', 'UNKNOWN_TOOL'],
    ['a wrong argument type', 'return searchInventory({ maxPrice: "cheap" });', 'ARGUMENT_INVALID'],
    ['an unknown argument', 'return searchInventory({ colour: "red" });', 'ARGUMENT_INVALID'],
    ['a missing required argument', 'return estimateFinancing({ termMonths: 36, downPayment: 0 });', 'ARGUMENT_INVALID'],
    ['a business rule', 'return estimateFinancing({ vin: "1HGCM82633A004352", termMonths: 120, downPayment: 1000 });', 'RULE_VIOLATION'],
    ['a syntax error', 'return {', 'SYNTAX'],
    ['no return', 'searchInventory({});', 'NO_RETURN'],
  ])('rejects %s', (_what, code, expected) => {
    expect(codes(code)).toContain(expected);
  });

  it('checks literal arguments even when others are computed, and skips rules it cannot judge', () => {
    expect(codes('const t = 36; return estimateFinancing({ vin: "1HGCM82633A004352", termMonths: t, downPayment: -5 });')).toEqual(['ARGUMENT_INVALID']);
    expect(codes('const t = 120; return estimateFinancing({ vin: "1HGCM82633A004352", termMonths: t, downPayment: 0 });')).toEqual([]);
  });

  it('renders violations as replan feedback with positions', () => {
    const check = validatePlan('return deleteDatabase({});', tools);
    const violations = check.ok ? [] : check.violations;
    expect(renderViolations(violations)).toMatch(/^- line 1:7 UNKNOWN_TOOL: deleteDatabase is not a tool/);
  });
});

describe('halsteadOf', () => {
  it('grows with the plan', () => {
    const small = halsteadOf('return searchInventory({ make: "Toyota" });');
    const large = halsteadOf(`const a = searchInventory({ make: "Toyota", maxPrice: 30000 });
      const b = searchInventory({ make: "Honda", maxPrice: 28000 });
      if (a.ok && b.ok) { return { toyota: a.vehicles.length, honda: b.vehicles.length, total: a.vehicles.length + b.vehicles.length }; }
      return { error: true };`);
    expect(small.volume).toBeGreaterThan(0);
    expect(large.volume).toBeGreaterThan(small.volume * 3);
    expect(large.effort).toBeGreaterThan(small.effort);
  });
});
