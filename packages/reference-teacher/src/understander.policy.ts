import { BODIES, COLOURS, FEATURES, LOTS, MAKES, type Memory, MODELS, type Understanding } from '@distillery/dealership';

type Entities = Understanding['entities'];

/** Intents the dealership serves, each with the words that signal it (after typo correction). */
const INTENT_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['hand_off', /\b(human|real person|a person|someone real|representative|salesperson|sales person|manager|talk to (a|an|someone|somebody)|speak to (a|an|someone|somebody)|agent please)\b/],
  ['cancel_test_drive', /\b(cancel|call off|drop)\b.*\b(test drives?|drives?|appointments?|bookings?)\b/],
  ['list_test_drives', /\b(my (test drives?|appointments?|bookings?)|what (did|have) i (book|booked)|when is my (test drive|appointment)|what test drives|do i have any (test drives|appointments))\b/],
  ['schedule_test_drive', /\b(test ?drive|drive it|take it for a (spin|drive)|book (a|the) (drive|slot)|try it out)\b/],
  ['reserve_vehicle', /\b(reserve|hold (it|the car|that|this)|put (a|down a) deposit|put it on hold)\b/],
  ['appraise_trade_in', /\b(trade[- ]?in|trading in|trade my|appraise|appraisal|what('s| is) my (car|truck|suv) worth)\b/],
  ['estimate_financing', /\b(financ\w*|monthly|per month|a month|payments?|loan|apr|interest rate|lease)\b/],
  ['dealership_info', /\b(hours|open|close|closing|address|located|location|where are you|phone|directions)\b/],
  ['vehicle_details', /\b(tell me more|more (about|details|info)|details|features of|what features|specs|mileage on|is it (still )?available|history of)\b/],
  ['search_inventory', /\b(looking for|look for|any|show me|do you have|find|search|options|available|in stock|cheaper|cheapest|under|below|budget|something|got any|what about|instead)\b/],
];
const OUT_OF_SCOPE = /\b(weather|poem|recipe|stock market|bitcoin|politic\w*|joke|homework|song|movie)\b/;
const INJECTION = /\b(ignore (all |your |the )?(previous|prior|above) (instructions|rules)|system prompt|you are now|developer mode|reveal your (prompt|instructions)|disregard (the|your) rules)\b/;
const GREETING = /^(hi|hello|hey|good (morning|afternoon|evening)|howdy|yo)\b/;
const GOODBYE = /\b(bye|goodbye|that'?s all|that is all|nothing else|all set|i'?m done|have a (good|nice) (day|one)|no thanks?,? that'?s it)\b/;

const MODEL_NAMES = MODELS.flatMap((spec) => [spec.model, ...(spec.aliases ?? [])].map((name) => ({ name: name.toLowerCase(), spec })));
const KEYWORDS = [
  'financing', 'finance', 'monthly', 'payment', 'payments', 'reserve', 'appraise', 'appraisal', 'cancel', 'available', 'hybrid', 'electric', 'minivan', 'sedan', 'truck',
  'pickup', 'wagon', 'coupe', 'hatchback', 'mileage', 'cheapest', 'cheaper', 'budget', 'details', 'features', 'looking', 'representative', 'salesperson', 'appointment',
  'saturday', 'sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'tomorrow', 'morning', 'afternoon', 'evening', 'excellent', 'downtown', 'northside', 'airport',
  'months', 'deposit', 'trade', 'drive', 'hours', 'address', 'location', 'condition', 'silver', 'white', 'black', 'green', 'leather', 'sunroof', 'navigation',
  'weather', 'recipe', 'politics', 'homework', 'movie', 'bitcoin', 'thanks', 'great', 'perfect', 'which', 'where', 'there', 'their', 'would', 'could', 'about',
  ...MAKES.map((make) => make.toLowerCase()), ...MODEL_NAMES.map((entry) => entry.name).filter((name) => /^[a-z]{5,}$/.test(name)),
];

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/**
 * Words valid as written that lie within the repair's reach of a keyword ("model" of "modely",
 * "while" of "white", "couple" of "coupe", "booking" of "looking", "reserved" of "reserve"): the
 * words of WordNet 3.1's sense-tagged corpus, with their regular forms, that the repair would
 * rewrite, and the function words it would, less those a slip of a keyword can produce ("lather"
 * of "leather", "tanks" of "thanks"). Keywords' singulars and plurals are valid anyway (below), and
 * so are the words of the catalog's model names.
 */
const VALID_WORDS: ReadonlySet<string> = new Set([
  'addressed', 'addresses', 'allocation', 'applause', 'appraised', 'appraiser', 'appraisers', 'aviation', 'blank', 'block', 'blocking', 'blooming', 'booking',
  'bookings', 'budge', 'budged', 'budgeted', 'cache', 'canceled', 'cancer', 'carry', 'civil', 'cleanest', 'clearest', 'coalition', 'conditional', 'conditioned',
  'conditioner', 'conviction', 'cooking', 'couple', 'coups', 'creatures', 'deposited', 'depositor', 'derive', 'deserve', 'deserved', 'deserves', 'detailed',
  'donation', 'driven', 'driver', 'drivers', 'drove', 'electrical', 'electron', 'electronic', 'escaped', 'excellence', 'feather', 'feathers', 'featured', 'financed',
  'financial', 'fixtures', 'flooding', 'flooring', 'fours', 'gestures', 'grade', 'greed', 'greek', 'greet', 'hooking', 'housework', 'imperfect', 'lectures',
  'locating', 'locking', 'looming', 'looping', 'loosing', 'measures', 'modestly', 'moaning', 'mould', 'mounting', 'mourning', 'navigating', 'navigator', 'notation',
  'patients', 'pavement', 'pavements', 'perfected', 'perfectly', 'pivot', 'policies', 'political', 'pours', 'preserve', 'preserved', 'preserves', 'recite', 'refinance',
  'refinancing', 'rendition', 'repayment', 'repayments', 'representation', 'reserved', 'rotation', 'severing', 'shortage', 'shortages', 'silvery', 'slack',
  'smoothly', 'textures', 'theme', 'these', 'thinks', 'three', 'tours', 'trace', 'track', 'traded', 'trader', 'treat', 'trick', 'trunk', 'unavailable', 'vacation',
  'ventures', 'vocation', 'while', 'whine', 'whiten', 'whiter', 'world', 'wound', 'write', 'yours',
  ...MODEL_NAMES.flatMap((entry) => entry.name.match(/[a-z]+/g) ?? []),
]);

const known = (word: string) => KEYWORD_SET.has(word) || VALID_WORDS.has(word);

/** A word left as written: short, known, or the singular or plural of a known word ("month" of "months"). */
function validAsWritten(word: string): boolean {
  return word.length < 5 || known(word) || (word.endsWith('s') && known(word.slice(0, -1))) || KEYWORD_SET.has(`${word}s`);
}

/** The three rows the edit distance keeps (two back for a transposition), reused across calls. */
const distanceRows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Edit distance with adjacent transpositions (optimal string alignment), capped just above `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (b.length >= distanceRows[0]!.length) for (let row = 0; row < 3; row++) distanceRows[row] = new Int32Array(2 * b.length + 1);
  let [before, previous, current] = distanceRows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/**
 * Lower-cases and repairs one-letter typos (two in long words) towards the words the policy knows.
 * A word valid as written is never "repaired", however close it lies to a keyword.
 */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[a-z]+/g, (word) => {
      if (validAsWritten(word)) return word;
      const limit = word.length >= 8 ? 2 : 1;
      let best: string | undefined;
      let bestDistance = limit + 1;
      for (const keyword of KEYWORDS) {
        const distance = editDistance(word, keyword, limit);
        if (distance < bestDistance) [best, bestDistance] = [keyword, distance];
      }
      return best ?? word;
    });
}

function amount(digits: string, thousands: string | undefined): number {
  const value = Number(digits.replace(/,/g, ''));
  return Math.round(thousands ? value * 1000 : value);
}

const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A date the customer named, relative to `now` (local wall-clock time in the UTC fields): today, tomorrow, a weekday (the next one), `dec 3`, `12/03`, ISO. */
export function parseDate(text: string, now: Date): string | undefined {
  const day = (offset: number) => isoDate(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset)));
  const iso = /\b(\d{4}-\d{2}-\d{2})\b/.exec(text);
  if (iso) return iso[1];
  if (/\btoday\b/.test(text)) return day(0);
  if (/\b(tomorrow|tmrw|tmr)\b/.test(text)) return day(1);
  const weekday = new RegExp(`\\b(next )?(${WEEKDAY_NAMES.join('|')})\\b`).exec(text);
  if (weekday) {
    return day((WEEKDAY_NAMES.indexOf(weekday[2]!) - now.getUTCDay() + 7) % 7 || 7);
  }
  const named = new RegExp(`\\b(${MONTHS.join('|')})[a-z]*\\.? (\\d{1,2})(st|nd|rd|th)?\\b`).exec(text);
  const numeric = /\b(\d{1,2})\/(\d{1,2})\b/.exec(text);
  const [month, date] = named ? [MONTHS.indexOf(named[1]!), Number(named[2])] : numeric ? [Number(numeric[1]) - 1, Number(numeric[2])] : [-1, 0];
  if (month < 0 || date < 1 || date > 31) return undefined;
  let candidate = new Date(Date.UTC(now.getUTCFullYear(), month, date));
  if (candidate.getTime() < Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) candidate = new Date(Date.UTC(now.getUTCFullYear() + 1, month, date));
  return isoDate(candidate);
}

/** An hour the customer named: `at 11`, `3pm`, `15:00`, `noon`, `morning`. */
export function parseHour(text: string): number | undefined {
  const clock = /\b(?:at |@ ?)?(\d{1,2})(?::(\d{2}))? ?(am|pm|a\.m\.|p\.m\.)\b/.exec(text) ?? /\b(?:at|@) ?(\d{1,2})(?::(\d{2}))?\b(?! ?(months|k\b|miles|%|years))/.exec(text) ?? /\b(\d{2}):(\d{2})\b/.exec(text);
  if (clock) {
    let hour = Number(clock[1]);
    const meridiem = clock[3]?.[0];
    if (meridiem === 'p' && hour < 12) hour += 12;
    if (meridiem === 'a' && hour === 12) hour = 0;
    if (!meridiem && hour >= 1 && hour <= 7) hour += 12; // "at 3" in a dealership means the afternoon
    return hour <= 23 ? hour : undefined;
  }
  if (/\bnoon\b/.test(text)) return 12;
  if (/\bmorning\b/.test(text)) return 10;
  if (/\bafternoon\b/.test(text)) return 14;
  if (/\bevening\b/.test(text)) return 17;
  return undefined;
}

const VIN = /\b[A-HJ-NPR-Z0-9]{17}\b/g;
const ORDINALS: Record<string, number> = { first: 0, '1st': 0, second: 1, '2nd': 1, third: 2, '3rd': 2, fourth: 3, '4th': 3, fifth: 4, '5th': 4, last: -1 };

/** Entities of the vehicle being looked for (make, model, body, fuel, price, year, mileage, colour, lot, features). */
function vehicleEntities(text: string, entities: Record<string, string | number | boolean | null>): void {
  const model = MODEL_NAMES.filter((entry) => new RegExp(`\\b${entry.name.replace(/[-\s]/g, '[- ]?')}\\b`).test(text)).sort((a, b) => b.name.length - a.name.length)[0];
  if (model) {
    entities.make = model.spec.make;
    entities.model = model.spec.model;
  } else {
    const make = MAKES.find((candidate) => new RegExp(`\\b${candidate.toLowerCase()}\\b`).test(text.replace(/\bchevy\b/, 'chevrolet')));
    if (make) entities.make = make;
  }
  const body = /\b(suvs?|crossovers?|sedans?|trucks?|pickups?|minivans?|vans?|coupes?|hatchbacks?|wagons?|estates?)\b/.exec(text)?.[1]?.replace(/s$/, '');
  const bodies: Record<string, string> = { crossover: 'suv', pickup: 'truck', van: 'minivan', estate: 'wagon' };
  if (body) entities.body = bodies[body] ?? (BODIES as readonly string[]).find((candidate) => candidate === body) ?? body;
  if (/\b(plug-?in|phev)\b/.test(text)) entities.fuel = 'plug-in hybrid';
  else if (/\bhybrid\b/.test(text)) entities.fuel = 'hybrid';
  else if (/\b(electric|evs?|battery)\b/.test(text)) entities.fuel = 'electric';
  else if (/\b(gas|petrol|gasoline)\b/.test(text)) entities.fuel = 'gas';
  const price = /\b(?:under|below|less than|max(?:imum)?|up to|no more than|budget (?:of|is)|around|at most|within)\s*\$?(\d[\d,.]*)\s*(k|grand|thousand)?\b(?!\s*(miles|mi\b|km))/.exec(text);
  if (price) entities.maxPrice = amount(price[1]!, price[2]);
  const mileage = /\b(?:under|below|less than|fewer than|at most)\s*(\d[\d,]*)\s*(k)?\s*(miles|mi)\b/.exec(text);
  if (mileage) entities.maxMileage = amount(mileage[1]!, mileage[2]);
  const year = /\b(20[1-2]\d)\s*(or newer|and newer|or later|\+)|\b(?:newer than|after|at least a|from)\s*(20[1-2]\d)\b/.exec(text);
  if (year) entities.minYear = Number(year[1] ?? year[3]) + (/newer than|after/.test(year[0]) ? 1 : 0);
  const colour = COLOURS.find((candidate) => new RegExp(`\\b${candidate}\\b`).test(text.replace(/\bgrey\b/, 'gray')));
  if (colour) entities.colour = colour;
  const lot = LOTS.find((candidate) => text.includes(candidate.id));
  if (lot) entities.location = lot.id;
  const features = FEATURES.filter((feature) => text.includes(feature) || (feature === 'awd' && /\b(all[- ]wheel|4x4|four[- ]wheel)\b/.test(text)) || (feature === 'third row' && /\b(7|seven)[- ]seat/.test(text)));
  if (features.length) entities.features = features.join(',');
  if (/\bcheapest\b/.test(text)) entities.sort = 'price';
  else if (/\b(newest|latest)\b/.test(text)) entities.sort = 'year';
  else if (/\blowest mileage|fewest miles\b/.test(text)) entities.sort = 'mileage';
}

/**
 * The vehicle a customer points at: a VIN, an ordinal of the last listing (kept in the memory
 * however many replies ago it was shown; the last reply's VINs in prompts without it), or "it"
 * (the one the last reply named, else the one in focus).
 */
function referencedVehicle(text: string, original: string, memory: Memory): string | undefined {
  const vin = original.toUpperCase().match(VIN)?.find((candidate) => /\d/.test(candidate) && /[A-Z]/.test(candidate));
  if (vin) return vin;
  const named = [...new Set(memory.lastReply.match(VIN) ?? [])];
  const listed = memory.listed?.length ? memory.listed : named;
  const ordinal = /\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last)\b(?! (time|thing))/.exec(text) ?? /#(\d)\b/.exec(text);
  if (ordinal && listed.length) {
    const index = ordinal[1]! in ORDINALS ? ORDINALS[ordinal[1]!]! : Number(ordinal[1]) - 1;
    return listed.at(index);
  }
  if (/\bcheapest one\b/.test(text) && listed.length) return listed[0];
  if (named.length === 1 && /\b(it|that|this|the car|that one|this one)\b/.test(text)) return named[0];
  const focused = memory.state.vehicle;
  if (typeof focused === 'string' && /\b(it|that|this|the car|the truck|the suv|that one|this one|same)\b/.test(text)) return focused;
  return undefined;
}

/** Financing, trade-in, reservation and booking details. */
function transactionEntities(text: string, now: Date, entities: Record<string, string | number | boolean | null>, memory: Memory): void {
  const term = /\b(\d{2})\s*(?:-\s*)?(months?|mo)\b/.exec(text) ?? /\b(\d)\s*(?:-\s*)?years?\b(?! old)/.exec(text);
  if (term) entities.termMonths = term[2] ? Number(term[1]) : Number(term[1]) * 12;
  const down = /\$?(\d[\d,.]*)\s*(k|grand)?\s*(?:down|as a down payment|upfront|up front)\b/.exec(text) ?? /\b(?:down payment of|put down|putting down|with)\s*\$?(\d[\d,.]*)\s*(k|grand)?\s*(?:down)?/.exec(text);
  if (down && /down|upfront|up front/.test(down[0])) entities.downPayment = amount(down[1]!, down[2]);
  const credit = /\b(excellent|great|good|fair|ok|okay|poor|bad)\s+credit\b/.exec(text);
  if (credit) entities.creditTier = ({ great: 'excellent', ok: 'fair', okay: 'fair', bad: 'poor' } as Record<string, string>)[credit[1]!] ?? credit[1]!;
  const deposit = /\bdeposit (?:of )?\$?(\d[\d,]*)\b/.exec(text) ?? /\$(\d[\d,]*) deposit\b/.exec(text);
  if (deposit) entities.deposit = amount(deposit[1]!, undefined);
  const testDrive = /\btd_[a-z0-9]+\b/.exec(text) ?? /\btd_[a-z0-9]+\b/.exec(memory.lastReply.toLowerCase());
  if (testDrive && /\bcancel|call off|drop\b/.test(text)) entities.testDriveId = testDrive[0];
  const date = parseDate(text, now);
  const hour = parseHour(text);
  if (date) entities.date = date;
  const day = date ?? (typeof memory.entities.date === 'string' ? memory.entities.date : undefined);
  if (hour !== undefined && day) entities.slot = `${day}T${String(hour).padStart(2, '0')}:00`;
}

/** The customer's own car, for a trade-in: `my 2015 honda civic with 80k miles in good condition`. */
function tradeInEntities(text: string, entities: Record<string, string | number | boolean | null>): void {
  const own = /\b(?:my|our|a|an)\s+(?:old\s+)?((?:19|20)\d\d)?\s*([a-z]+)\s+([a-z0-9-]+(?: [a-z0-9]+)?)/.exec(text.replace(/\bchevy\b/, 'chevrolet'));
  const year = /\b((?:19|20)\d\d)\b/.exec(text);
  const miles = /\b(\d[\d,.]*)\s*(k)?\s*(miles|mi|km)\b/.exec(text);
  const condition = /\b(excellent|good|fair|poor|rough|great)\s+(condition|shape)\b/.exec(text);
  if (own) {
    const make = MAKES.find((candidate) => candidate.toLowerCase() === own[2]) ?? (own[2] && own[2].length > 2 ? own[2][0]!.toUpperCase() + own[2].slice(1) : undefined);
    const known = MODEL_NAMES.find((entry) => own[3]!.startsWith(entry.name));
    if (make && !['car', 'truck', 'suv', 'vehicle', 'old'].includes(own[2]!)) {
      entities.tradeMake = known?.spec.make ?? make;
      entities.tradeModel = known?.spec.model ?? own[3]!.split(' ')[0]!.replace(/^\w/, (c) => c.toUpperCase());
    }
  }
  if (year) entities.tradeYear = Number(year[1]);
  if (miles) entities.tradeMileage = amount(miles[1]!, miles[2]);
  if (condition) entities.tradeCondition = ({ rough: 'poor', great: 'excellent' } as Record<string, string>)[condition[1]!] ?? condition[1]!;
}

/**
 * The reference Understander: intents, entities and dialogue state of one utterance, resolved
 * against memory. `now` is the dealership's local time (its wall clock in the Date's UTC fields),
 * so "today" and "tomorrow" are the dealership's.
 */
export function understand(utterance: string, memory: Memory, now: Date): Understanding {
  const text = normalise(utterance);
  if (INJECTION.test(text)) return { intents: ['out_of_scope'], entities: { injection: true }, state: {}, outOfScope: true };
  const intents = INTENT_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([intent]) => intent);
  const entities: Entities = {};
  const trading = intents.includes('appraise_trade_in');
  if (trading) tradeInEntities(text, entities);
  vehicleEntities(trading ? text.replace(/\b(?:my|our)\s+(?:old\s+)?(?:(?:19|20)\d\d\s+)?[a-z]+\s+[a-z0-9-]+/, ' ') : text, entities);
  if (trading) delete entities.maxMileage;
  transactionEntities(text, now, entities, memory);
  const vin = referencedVehicle(text, utterance, memory);
  if (vin) entities.vin = vin;

  // Searching is implied by a described vehicle, unless the words are about a known one.
  const describesVehicle = ['body', 'fuel', 'maxPrice', 'make', 'model', 'minYear', 'colour', 'features'].some((key) => key in entities) && !trading;
  let found = intents.filter((intent) => intent !== 'search_inventory' || describesVehicle || !vin);
  if (describesVehicle && !found.includes('search_inventory') && !vin && !found.some((intent) => ['estimate_financing', 'schedule_test_drive', 'reserve_vehicle'].includes(intent))) found.push('search_inventory');
  if (vin && !found.length) found.push('vehicle_details');
  if (found.includes('vehicle_details') && !vin && describesVehicle) found = found.map((intent) => (intent === 'vehicle_details' ? 'search_inventory' : intent));
  if (found.includes('search_inventory') && found.includes('vehicle_details') && vin) found = found.filter((intent) => intent !== 'search_inventory');
  if (found.includes('cancel_test_drive') || found.includes('list_test_drives')) found = found.filter((intent) => intent !== 'schedule_test_drive');
  if (found.includes('cancel_test_drive')) found = found.filter((intent) => intent !== 'list_test_drives');
  if (found.includes('hand_off')) found = ['hand_off'];
  if (!found.length && OUT_OF_SCOPE.test(text)) return { intents: ['out_of_scope'], entities: {}, state: {}, outOfScope: true };
  if (!found.length && GOODBYE.test(text)) found.push('end_conversation');
  if (!found.length && GREETING.test(text)) found.push('greeting');
  if (!found.length && /\b(thanks|thank you|great|perfect|ok|okay|cool)\b/.test(text)) found.push('acknowledge');
  if (!found.length) found.push('clarify');
  const state: Record<string, unknown> = vin ? { vehicle: vin } : {};
  return { intents: found, entities, state, outOfScope: false };
}
