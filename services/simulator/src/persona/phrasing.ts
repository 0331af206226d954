import type { Draws } from './seeded.js';

const NEIGHBOURS: Readonly<Record<string, string>> = {
  a: 's', s: 'a', d: 's', e: 'r', r: 't', t: 'r', i: 'o', o: 'i', n: 'm', m: 'n', l: 'k', c: 'v', u: 'y', h: 'g', g: 'h', p: 'o', b: 'v', y: 't', w: 'e', v: 'c', k: 'l', f: 'd',
};

/** One slip in a word: two letters swapped, one dropped, one doubled, or a neighbouring key. */
function slip(word: string, draws: Draws): string {
  const at = draws.int(1, word.length - 2);
  switch (draws.int(0, 3)) {
    case 0:
      return word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
    case 1:
      return word.slice(0, at) + word.slice(at + 1);
    case 2:
      return word.slice(0, at) + word[at] + word.slice(at);
    default:
      return word.slice(0, at) + (NEIGHBOURS[word[at]!] ?? word[at]) + word.slice(at + 1);
  }
}

/**
 * The utterance as a hurried typist writes it: one slip (two in longer messages) in words of five
 * letters or more. Numbers, VINs, confirmation ids and prices are never touched, so the request
 * stays answerable; whether the agents still understand it is their problem.
 */
export function withTypos(text: string, draws: Draws): string {
  const words = [...text.matchAll(/\b[A-Za-z]{5,}\b/g)].filter((match) => !/^[A-Z0-9]{17}$/.test(match[0]));
  if (!words.length) return text;
  const slips = words.length > 8 ? 2 : 1;
  let result = text;
  for (const match of [...new Set(Array.from({ length: slips }, () => draws.pick(words)))].sort((a, b) => b.index! - a.index!)) {
    result = result.slice(0, match.index!) + slip(match[0], draws) + result.slice(match.index! + match[0].length);
  }
  return result;
}

/** Casual writing: sometimes all lower case, sometimes without the final punctuation. */
export function casual(text: string, draws: Draws): string {
  let result = text;
  if (draws.chance(0.3)) result = result.toLowerCase().replace(/\b[a-hj-npr-z0-9]{17}\b/g, (vin) => vin.toUpperCase());
  if (draws.chance(0.3)) result = result.replace(/[.?!]+$/, '');
  return result;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

/** `the second one` for a listing position (1-based). */
export function ordinal(position: number): string {
  return ORDINALS[position - 1] ?? `#${position}`;
}

/** `3pm`, `11am`, `noon`. */
export function spokenHour(hour: number): string {
  return hour === 12 ? 'noon' : hour < 12 ? `${hour}am` : `${hour - 12}pm`;
}

/** `SUVs`, `trucks`. */
export function plural(body: string): string {
  return body === 'suv' ? 'SUVs' : `${body}s`;
}

export function bodyWord(body: string): string {
  return body === 'suv' ? 'SUV' : body;
}

/** `28k`, `31.5k`: how people write a budget. */
export function thousands(amount: number): string {
  return `${Math.round(amount / 1000)}k`;
}

export function dollars(amount: number): string {
  return `$${amount.toLocaleString('en-US')}`;
}
