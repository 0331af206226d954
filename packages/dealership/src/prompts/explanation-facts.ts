type Json = Record<string, unknown>;

function walk(value: unknown, visit: (value: unknown) => void): void {
  visit(value);
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) walk(item, visit);
}

/** The results' facts an explanation may state: numbers, texts, vehicles, and what succeeded or failed. */
interface ResultFacts {
  readonly json: string;
  readonly numbers: number[];
  /** Longer texts (error messages, addresses, vehicle names) quoted whole are taken as stated by the results. */
  readonly phrases: string[];
  /** `year make model`, lower-cased, of every vehicle-like object. */
  readonly vehicles: string[];
  readonly succeeded: Set<string>;
  readonly failed: boolean;
}

const OUTCOME_KEYS = ['testDrive', 'testDrives', 'reservation', 'cancelled', 'ticket'] as const;

function factsOf(results: unknown): ResultFacts {
  const numbers: number[] = [];
  const phrases: string[] = [];
  const vehicles: string[] = [];
  const succeeded = new Set<string>();
  let failed = false;
  walk(results, (value) => {
    if (typeof value === 'number' && Number.isFinite(value)) numbers.push(value);
    else if (typeof value === 'string' && value.length >= 12 && /\s/.test(value)) phrases.push(value);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const object = value as Json;
      if (object.year !== undefined && typeof object.make === 'string') vehicles.push(`${object.year} ${object.make} ${object.model ?? ''}`.trim().toLowerCase());
      if (object.ok === false) failed = true;
      for (const key of OUTCOME_KEYS) {
        const outcome = object[key];
        if (object.ok !== false && outcome !== undefined && outcome !== null && !(Array.isArray(outcome) && outcome.length === 0)) succeeded.add(key);
      }
    }
  });
  return { json: JSON.stringify(results), numbers, phrases: phrases.sort((a, b) => b.length - a.length), vehicles, succeeded, failed };
}

/** Which outcome of the results a claim needs: a booking for "booked", a hold for "reserved for you", any done action for "confirmed". */
const CLAIMS: ReadonlyArray<readonly [RegExp, readonly string[], string]> = [
  [/\bbooked\b/i, ['testDrive'], 'test-drive booking'],
  [/\breserved for you\b/i, ['reservation'], 'reservation'],
  [/\b(confirmed|all set)\b/i, ['testDrive', 'reservation', 'cancelled', 'ticket'], 'completed action'],
];

const close = (value: number, amount: number, whole: boolean) => Math.abs(value - amount) < 0.01 || (whole && Math.round(value) === amount);

/** The explanation with the results' phrases quoted whole blanked out (same length, so positions still point into the explanation). */
function withoutQuotes(explanation: string, facts: ResultFacts): string {
  let text = explanation;
  for (const phrase of facts.phrases) text = text.split(phrase).join('\uE000'.repeat(phrase.length));
  return text;
}

/** The sentences of a (quote-blanked) explanation that claim a booking, a hold or success the results do not show. */
function claimProblems(text: string, facts: ResultFacts): string[] {
  const problems: string[] = [];
  for (const sentence of text.split(/(?<=[.!?])\s+/)) {
    const quoted = sentence.replace(/\uE000+/g, '…').trim();
    const claims = CLAIMS.filter(([claim]) => claim.test(sentence));
    const unsupported = claims.find(([, needs]) => !needs.some((key) => facts.succeeded.has(key)));
    if (unsupported) problems.push(`claims "${quoted}" but the results hold no ${unsupported[2]}`);
    else if (claims.length && facts.failed && /\b(all|everything)\b/i.test(sentence)) problems.push(`claims "${quoted}" although a step failed`);
  }
  return problems;
}

/**
 * What an explanation states that its results do not support: prices and amounts, VINs,
 * confirmation ids and vehicles not in the results, and claims of a booking, a hold or success
 * the results do not show. Texts quoted whole from the results (error messages, vehicle names)
 * count as supported.
 */
export function unsupportedStatements(explanation: string, results: unknown): string[] {
  const facts = factsOf(results);
  const text = withoutQuotes(explanation, facts);
  const problems: string[] = [];
  for (const match of text.matchAll(/\$\s?(\d[\d,]*(?:\.\d+)?)/g)) {
    const amount = Number(match[1]!.replace(/,/g, ''));
    if (!facts.numbers.some((value) => close(value, amount, !match[1]!.includes('.')))) problems.push(`states ${match[0]}, an amount the results do not contain`);
  }
  for (const vin of text.match(/\b[A-HJ-NPR-Z0-9]{17}\b/g) ?? []) {
    if (/\d/.test(vin) && /[A-Z]/.test(vin) && !facts.json.includes(vin)) problems.push(`names VIN ${vin}, which is not in the results`);
  }
  for (const id of text.match(/\b(?:td|res|ho)_[a-z0-9]+\b/g) ?? []) {
    if (!facts.json.includes(`"${id}"`)) problems.push(`gives the reference ${id}, which is not in the results`);
  }
  for (const mention of text.matchAll(/\b(?:19|20)\d{2} [A-Z][\w-]*(?: [A-Z0-9][\w-]*){0,2}/g)) {
    const rest = explanation.slice(mention.index).toLowerCase();
    if (!facts.vehicles.some((vehicle) => rest.startsWith(vehicle))) problems.push(`mentions a ${mention[0]}, a vehicle the results do not contain`);
  }
  problems.push(...claimProblems(text, facts));
  return [...new Set(problems)];
}

/** The claims alone (a booking, a hold, "all confirmed") an explanation makes that its results do not show: the agent-level metrics read the facts themselves. */
export function unsupportedClaims(explanation: string, results: unknown): string[] {
  const facts = factsOf(results);
  return [...new Set(claimProblems(withoutQuotes(explanation, facts), facts))];
}
