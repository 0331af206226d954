import { DEFAULT_RULES, type DealershipRules, WEEKDAYS } from '../domain/dealership-rules.js';
import { toolCatalog } from '../domain/dealership-tools.js';
import type { PlanToolCatalog } from '../plans/plan-validator.js';

type Tier = keyof DealershipRules['financing']['tiers'];
const number = (text: string | undefined, fallback: number) => (text === undefined || Number.isNaN(Number(text)) ? fallback : Number(text));

/**
 * The business rules in force for a call, read back from the `Business rules` section of its
 * prompt (the text agents' `renderRules` writes): the dealership may change them mid-campaign, so
 * the judge and the agent-level metrics check a plan against the rules its Planner was shown. What
 * the text does not state (depreciation, condition factors) keeps its default; no section gives the
 * default rules.
 */
export function readRules(text: string | undefined): DealershipRules {
  const rules = structuredClone(DEFAULT_RULES) as { -readonly [K in keyof DealershipRules]: DealershipRules[K] };
  if (!text) return rules;
  const opening = /Opening hours \(dealership time, UTC([+-])([\d.]+)\), all lots: ([^\n]*)\.\n/.exec(`${text}\n`);
  if (opening) {
    rules.utcOffsetMinutes = Math.round((opening[1] === '-' ? -1 : 1) * Number(opening[2]) * 60);
    const hours: DealershipRules['hours'] = {};
    for (const day of opening[3]!.split(', ')) {
      const match = /^(\w{3}) (\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(day);
      if (match && (WEEKDAYS as readonly string[]).includes(match[1]!)) hours[match[1] as (typeof WEEKDAYS)[number]] = { open: match[2]!, close: match[3]! };
    }
    rules.hours = hours;
  }
  const drives = /Test drives: .*?at least ([\d.]+) h ahead and at most (\d+) days ahead;.*?at most (\d+) test drives per lot per day; at most (\d+) upcoming test drives per customer(; the customer's driving licence must be on file)?/.exec(text);
  if (drives) {
    rules.testDrives = {
      leadTimeHours: number(drives[1], rules.testDrives.leadTimeHours),
      horizonDays: number(drives[2], rules.testDrives.horizonDays),
      slotsPerDayPerLocation: number(drives[3], rules.testDrives.slotsPerDayPerLocation),
      maxUpcomingPerCustomer: number(drives[4], rules.testDrives.maxUpcomingPerCustomer),
      licenceRequired: drives[5] !== undefined,
    };
  }
  const financing = /Financing terms: ([\d, ]+) months; at least \$([\d.]+) financed;/.exec(text);
  if (financing) {
    const tiers = { ...rules.financing.tiers };
    for (const line of text.matchAll(/^ {2}- (\w+): down payment at least (\d+)% of the price; APR by term (.*)$/gm)) {
      const aprByTerm = Object.fromEntries([...line[3]!.matchAll(/(\d+) mo ([\d.]+)%/g)].map((term) => [term[1]!, Number(term[2])]));
      if (line[1]! in tiers) tiers[line[1] as Tier] = { minDownShare: Number(line[2]) / 100, aprByTerm };
    }
    rules.financing = { termsMonths: financing[1]!.split(',').map((term) => Number(term.trim())), minAmountFinanced: Number(financing[2]), tiers };
  }
  const tradeIn = /vehicles older than (\d+) years are not taken; the offer is a range of ±(\d+)%/.exec(text);
  if (tradeIn) rules.tradeIn = { ...rules.tradeIn, maxAgeYears: Number(tradeIn[1]), offerSpread: Number(tradeIn[2]) / 100 };
  const reservations = /a deposit of at least \$([\d.]+) holds an available vehicle for ([\d.]+) hours, .*?at most (\d+) active reservation/.exec(text);
  if (reservations) rules.reservations = { minDeposit: Number(reservations[1]), holdHours: Number(reservations[2]), maxActivePerCustomer: Number(reservations[3]) };
  return rules;
}

const catalogs = new Map<string, PlanToolCatalog>();

/** The Evaluator's tool catalog (argument schemas, static rules) under the rules of this text; the last few are kept. */
export function catalogForRules(text: string | undefined): PlanToolCatalog {
  const key = text ?? '';
  let catalog = catalogs.get(key);
  if (!catalog) {
    catalog = toolCatalog(readRules(text));
    if (catalogs.size >= 16) catalogs.delete(catalogs.keys().next().value!);
    catalogs.set(key, catalog);
  }
  return catalog;
}
