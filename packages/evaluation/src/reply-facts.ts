/** The kinds of fact a reply can state that tool results must back. */
export type FactKind = 'price' | 'mileage' | 'percent' | 'vin' | 'reference' | 'phone' | 'date' | 'time' | 'vehicle';

/** One fact a reply states: its kind, the words it used, and its value in one canonical form (so two replies' facts compare). */
export interface ReplyFact {
  readonly kind: FactKind;
  readonly text: string;
  readonly value: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\\.?';
const NOT_MAKES = new Set(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'January', 'February', 'March', 'April', 'June', 'July', 'August',
  'September', 'October', 'November', 'December', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);

const pad = (value: number) => String(value).padStart(2, '0');
const amount = (digits: string) => Number(digits.replace(/,/g, ''));
const monthDay = (month: string, day: string) => `${pad(MONTHS.indexOf(month.slice(0, 3).toLowerCase()) + 1)}-${pad(Number(day))}`;

/** Each pattern of a kind and how a match becomes the fact's value; patterns earlier in the list claim their words first. */
const PATTERNS: ReadonlyArray<readonly [FactKind, RegExp, (match: RegExpMatchArray) => string | undefined]> = [
  ['reference', /\b(?:td|res|ho)_[a-z0-9]+\b/g, (match) => match[0]],
  ['vin', /\b[A-HJ-NPR-Z0-9]{17}\b/g, (match) => (/\d/.test(match[0]) && /[A-Z]/.test(match[0]) ? match[0] : undefined)],
  ['phone', /(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]\d{3,4}(?:[ .-]\d{4})?\b/g, (match) => match[0].replace(/\D/g, '')],
  ['price', /\$\s?(\d[\d,]*(?:\.\d+)?)(\s?[kK]\b)?/g, (match) => String(amount(match[1]!) * (match[2] ? 1000 : 1))],
  ['mileage', /\b(\d[\d,]*)\s?(?:mi|miles)\b/g, (match) => String(amount(match[1]!))],
  ['price', /\b(\d[\d,]*(?:\.\d+)?)\s?[kK]\b/g, (match) => String(amount(match[1]!) * 1000)],
  ['percent', /\b(\d+(?:\.\d+)?)\s?%/g, (match) => String(Number(match[1]))],
  ['date', /\b\d{4}-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/g, (match) => `${match[1]}-${match[2]}`],
  ['date', new RegExp(`\\b${MONTH} (\\d{1,2})(?:st|nd|rd|th)?\\b`, 'g'), (match) => monthDay(match[1]!, match[2]!)],
  ['date', new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH}`, 'g'), (match) => monthDay(match[2]!, match[1]!)],
  ['time', /\b(1[0-2]|0?[1-9])(?::([0-5]\d))?\s?([ap])(?:\.m\.|m\b)/gi, (match) => `${pad((Number(match[1]) % 12) + (match[3]!.toLowerCase() === 'p' ? 12 : 0))}:${match[2] ?? '00'}`],
  ['time', /\b([01]?\d|2[0-3]):([0-5]\d)\b/g, (match) => `${pad(Number(match[1]))}:${match[2]}`],
  ['vehicle', /\b((?:19|20)\d{2}) ([A-Z][A-Za-z-]+) ([A-Z0-9][\w-]*)/g, (match) => (NOT_MAKES.has(match[2]!) ? undefined : `${match[1]} ${match[2]} ${match[3]}`.toLowerCase())],
];

/**
 * The facts a reply states: prices (`$35,000`, `$35k`, `35k`), mileages, percentages (APR), VINs,
 * booking, reservation and ticket ids, phone numbers, dates (ISO, `Dec 12`, `12 December`), times
 * (`12:00`, `3pm`) and vehicles (`2021 Ford Mustang`). Words one pattern took are not read again by
 * a later one (the date and time of an ISO slot are read once each, a VIN's digits are no phone
 * number).
 */
export function replyFacts(reply: string): ReplyFact[] {
  let text = reply;
  const facts: ReplyFact[] = [];
  for (const [kind, pattern, valueOf] of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const value = valueOf(match);
      if (value === undefined) continue;
      facts.push({ kind, text: match[0], value });
      if (kind === 'date' && match[3] !== undefined) facts.push({ kind: 'time', text: match[0], value: `${match[3]}:${match[4]}` });
    }
    // Blanked with the same length, so later patterns see the words around it as they were.
    text = text.replace(pattern, (whole) => ' '.repeat(whole.length));
  }
  const seen = new Set<string>();
  return facts.filter((fact) => !seen.has(`${fact.kind}:${fact.value}`) && seen.add(`${fact.kind}:${fact.value}`));
}

function walk(value: unknown, visit: (value: unknown) => void): void {
  visit(value);
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) walk(item, visit);
}

/** What tool results can back: their numbers, their text, and the vehicles in them (as objects or named in text). */
interface ResultEvidence {
  readonly json: string;
  readonly numbers: readonly number[];
  readonly phones: readonly string[];
  readonly vehicles: ReadonlySet<string>;
}

function evidenceOf(results: unknown): ResultEvidence {
  const numbers: number[] = [];
  const phones: string[] = [];
  const vehicles = new Set<string>();
  walk(results, (value) => {
    if (typeof value === 'number' && Number.isFinite(value)) numbers.push(value);
    else if (typeof value === 'string') {
      const digits = value.replace(/\D/g, '');
      if (digits.length >= 7 && /^[+\d\s().-]+$/.test(value)) phones.push(digits);
      for (const fact of replyFacts(value)) if (fact.kind === 'vehicle') vehicles.add(fact.value);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      if (object.year !== undefined && typeof object.make === 'string' && typeof object.model === 'string') vehicles.add(`${object.year} ${object.make} ${object.model.split(' ')[0]}`.toLowerCase());
    }
  });
  return { json: JSON.stringify(results ?? null), numbers, phones, vehicles };
}

const closeTo = (value: number, stated: number) => Math.abs(value - stated) < 0.01 || (Number.isInteger(stated) && Math.round(value) === stated);

function supported(fact: ReplyFact, evidence: ResultEvidence): boolean {
  switch (fact.kind) {
    case 'price':
    case 'mileage':
    case 'percent':
      return evidence.numbers.some((value) => closeTo(value, Number(fact.value)));
    case 'vin':
      return evidence.json.includes(`"${fact.value}"`) || evidence.json.includes(fact.value);
    case 'reference':
      return evidence.json.includes(`"${fact.value}"`);
    case 'phone':
      return fact.value.length >= 7 && evidence.phones.some((phone) => phone.endsWith(fact.value));
    case 'date':
      return evidence.json.includes(`-${fact.value}`);
    case 'time':
      return evidence.json.includes(fact.value);
    case 'vehicle':
      return evidence.vehicles.has(fact.value);
  }
}

/**
 * The facts of a reply its tool results do not back (a made-up price, VIN, booking, date,
 * vehicle…). A fact the customer stated themselves (`customerSaid`: "under $35k", "at 3pm") is
 * echoed, not made up.
 */
export function unsupportedFacts(reply: string, results: unknown, customerSaid = ''): ReplyFact[] {
  const evidence = evidenceOf(results);
  const echoed = new Set(replyFacts(customerSaid).map((fact) => `${fact.kind}:${fact.value}`));
  return replyFacts(reply).filter((fact) => !supported(fact, evidence) && !echoed.has(`${fact.kind}:${fact.value}`));
}
