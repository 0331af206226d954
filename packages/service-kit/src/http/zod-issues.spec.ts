import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldName, listProblems } from './problem-list.js';
import { issueLines } from './zod-issues.js';

describe('issueLines', () => {
  const schema = z.strictObject({ count: z.number(), inventory: z.strictObject({ makes: z.array(z.string().max(3)) }).optional(), mix: z.record(z.string(), z.number().min(0)).optional() });

  it('names each field as the edge does', () => {
    const parsed = schema.safeParse({ count: 'x', inventory: { makes: ['Ford', 'Kia'] } });
    expect(issueLines(parsed.error!.issues)).toEqual(['count: Invalid input: expected number, received string', 'inventory.makes[0]: Too big: expected string to have <=3 characters']);
    expect(issueLines(parsed.error!.issues, 'body')[0]).toMatch(/^body\.count: /);
    expect(issueLines(z.number().safeParse('x').error!.issues)[0]).toMatch(/^body: /);
  });

  it('quotes unknown and odd keys with echo, never whole', () => {
    const long = 'k'.repeat(90_000);
    const parsed = schema.safeParse({ count: 1, [long]: 1, b: 2, c: 3, d: 4, mix: { [`${long} `]: -1 } });
    const lines = issueLines(parsed.error!.issues);
    expect(lines.join('\n').length).toBeLessThan(600);
    expect(lines).toContainEqual(expect.stringMatching(/^body: unknown keys "k{32}"… \(90000 characters\), "b", "c" and 1 more$/));
    expect(lines).toContainEqual(expect.stringMatching(/^mix\["k{32}"… \(90001 characters\)\]: Too small/));
  });

  it('lists at most ten issues, then counts the rest', () => {
    const parsed = z.array(z.number()).safeParse(Array.from({ length: 5_000 }, () => 'x'));
    const lines = issueLines(parsed.error!.issues);
    expect(lines).toHaveLength(10);
    expect(listProblems(lines, parsed.error!.issues.length)).toMatch(/^\[0\]: .*; and 4990 more problems$/);
  });

  it('cuts a field name too long in the middle', () => {
    const name = fieldName('body', Array.from({ length: 40 }, (_, index) => `level${index}`));
    expect(name.length).toBe(161);
    expect(name).toMatch(/^body\.level0\.level1.*….*level39$/);
  });
});
