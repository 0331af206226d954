import { describe, expect, it } from 'vitest';
import { echo, safeText, storableText, storableValue, textProblem, valueTextProblem } from './text.js';

describe('text policy', () => {
  it.each([
    ['\u0000\u0000', 'control character (U+0000) at index 0'],
    ['ok\u0007bell', 'control character (U+0007) at index 2'],
    ['del\u007f', 'control character (U+007F) at index 3'],
    ['a\uD83Db', 'lone UTF-16 surrogate (U+D83D) at index 1'],
    ['\uDE00\uD83D', 'lone UTF-16 surrogate (U+DE00) at index 0'],
  ])('refuses %j', (value, reason) => {
    expect(textProblem(value)).toContain(reason);
  });

  it.each(['plain', 'tab\tline\nreturn\r', 'emoji 😀 and ünïcode', ''])('accepts %j', (value) => {
    expect(textProblem(value)).toBeUndefined();
  });

  it('makes any text storable without touching valid text', () => {
    expect(storableText('a\u0000b\uD83D😀')).toBe('a\uFFFDb\uFFFD😀');
    const clean = { a: ['x', { b: 'y' }] };
    expect(storableValue(clean)).toBe(clean);
    expect(storableValue({ 'k\u0000': ['\u0000', 1, null] })).toEqual({ 'k\uFFFD': ['\uFFFD', 1, null] });
  });

  it('echoes a bounded, printable prefix', () => {
    expect(echo('short')).toBe('"short"');
    const long = echo('x'.repeat(100_000));
    expect(long.length).toBeLessThan(100);
    expect(long).toContain('(100000 characters)');
    expect(echo('\u0000')).toBe('"\uFFFD"');
  });

  it('gives zod a field check that names the problem', () => {
    const schema = safeText(5);
    expect(schema.safeParse('fine').success).toBe(true);
    expect(schema.safeParse('too long').error?.issues[0]?.message).toBe('longer than 5 characters');
    expect(schema.safeParse('a\u0000').error?.issues[0]?.message).toContain('U+0000');
  });
});

describe('valueTextProblem', () => {
  it('names the first bad string or key in a JSON value, and nothing in a clean one', () => {
    expect(valueTextProblem({ a: ['ok', { b: 'tab\tok' }] })).toBeUndefined();
    expect(valueTextProblem({ a: ['ok', 'x\u0000'] })).toMatch(/^holds a string that contains a control character \(U\+0000\)/);
    expect(valueTextProblem({ 'k\uD800': 1 })).toMatch(/^holds a key that contains a lone UTF-16 surrogate/);
  });
});
