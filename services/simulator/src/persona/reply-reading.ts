/** A vehicle as a reply lists it. */
export interface ListedVehicle {
  readonly position: number;
  readonly year: number;
  readonly name: string;
  readonly fuel: string;
  readonly price: number;
  readonly vin: string;
  readonly reserved: boolean;
}

/**
 * What a customer takes from the agents' reply, as a person reading it would: the vehicles listed,
 * whether the request went through, what went wrong, what they are asked for. Everything is read
 * from the text (and the `ended` flag) — the simulator never looks inside the agents.
 */
export interface ReplyReading {
  readonly text: string;
  readonly ended: boolean;
  readonly listed: readonly ListedVehicle[];
  readonly vins: readonly string[];
  readonly noMatches: boolean;
  readonly details: boolean;
  readonly sold: boolean;
  readonly booked?: { readonly confirmation: string };
  readonly freeTimes: readonly string[];
  readonly noFreeTimes: boolean;
  readonly payment: boolean;
  readonly needsCreditTier: boolean;
  readonly offer: boolean;
  readonly reserved: boolean;
  readonly alreadyReserved: boolean;
  readonly cancelled: boolean;
  readonly upcomingDrives: readonly string[];
  readonly noUpcomingDrives: boolean;
  readonly hours: boolean;
  readonly handedOff: boolean;
  readonly clarify: boolean;
  readonly outOfScope: boolean;
  readonly goodbye: boolean;
  /** What the agents asked for (`Could you tell me …?`). */
  readonly asks?: string;
  /** A failure the reply reports, in its own words. */
  readonly failure?: string;
  /** Rule limits the reply names, for the persona to adapt to. */
  readonly limits: { readonly minDeposit?: number; readonly horizonDays?: number; readonly leadHours?: number; readonly maxAgeYears?: number; readonly closedDay?: string; readonly termNotOffered?: boolean; readonly licence?: boolean; readonly maxUpcoming?: boolean };
}

const VIN = /\b[A-HJ-NPR-Z0-9]{17}\b/g;
const LISTED = /(\d+)\) (\d{4}) (.+?) \(([^,()]+), [^()]*?\) for \$([\d,]+(?:\.\d+)?) at [^,]+, VIN ([A-HJ-NPR-Z0-9]{17})/g;
const money = (text: string) => Number(text.replace(/,/g, ''));

export function readReply(text: string, ended = false): ReplyReading {
  const listed = [...text.matchAll(LISTED)].map((match) => ({
    position: Number(match[1]),
    year: Number(match[2]),
    name: match[3]!,
    fuel: match[4]!,
    price: money(match[5]!),
    vin: match[6]!,
    reserved: match[0].includes('currently reserved'),
  }));
  const times = /Free times that day: ([\d:, ]+)\./.exec(text) ?? /is free at ([\d:, ]+);/.exec(text);
  const booked = /You're booked for a test drive.*\(confirmation (td_[a-z0-9]+)\)/.exec(text);
  const failure = /I couldn't complete the [^:]+: ([^.]+)\./.exec(text)?.[1] ?? /Unfortunately ([^.]+)\./.exec(text)?.[1] ?? /Sorry, ([^.]+)\./.exec(text)?.[1];
  const deposit = /deposit must be at least \$([\d,]+)/.exec(text) ?? /at least \$([\d,]+) (?:deposit|is needed)/.exec(text);
  const horizon = /at most (\d+) days ahead/.exec(text);
  const lead = /at least (\d+) hours ahead/.exec(text);
  const age = /older than (\d+) years are not taken/.exec(text);
  // `closed on sat (2026-11-28)` names a closed day; the hours listing's `closed on other days` does not.
  const closed = /closed on (?!other\b)(\w+)/.exec(text);
  return {
    text,
    ended,
    listed,
    vins: [...new Set(text.match(VIN) ?? [])],
    noMatches: /couldn't find any vehicles/.test(text),
    details: /Here are the details:/.test(text),
    sold: /has been sold/.test(text),
    ...(booked ? { booked: { confirmation: booked[1]! } } : {}),
    freeTimes: times ? times[1]!.split(',').map((time) => time.trim()).filter(Boolean) : [],
    noFreeTimes: /no free (test-drive )?times/.test(text),
    payment: /the payment would be about \$/.test(text),
    needsCreditTier: /need to know your credit/.test(text),
    offer: /we could offer between \$/.test(text),
    reserved: /is reserved for you/.test(text),
    alreadyReserved: /already reserved|currently reserved|is reserved(?! for you)/.test(text),
    cancelled: /is cancelled/.test(text),
    upcomingDrives: [...text.matchAll(/\((td_[a-z0-9]+)\)/g)].map((match) => match[1]!),
    noUpcomingDrives: /don't have any upcoming test drives/.test(text),
    hours: /Opening hours:/.test(text),
    handedOff: /asked a member of our sales team/.test(text),
    clarify: /didn't quite catch that/.test(text),
    outOfScope: /I can only help with our vehicles/.test(text),
    goodbye: /Have a great day/.test(text),
    ...(/Could you tell me ([^?]+)\?/.test(text) ? { asks: /Could you tell me ([^?]+)\?/.exec(text)![1]! } : {}),
    ...(failure ? { failure } : {}),
    limits: {
      ...(deposit ? { minDeposit: money(deposit[1]!) } : {}),
      ...(horizon ? { horizonDays: Number(horizon[1]) } : {}),
      ...(lead ? { leadHours: Number(lead[1]) } : {}),
      ...(age ? { maxAgeYears: Number(age[1]) } : {}),
      ...(closed ? { closedDay: closed[1]! } : {}),
      ...(/is not offered/.test(text) ? { termNotOffered: true } : {}),
      ...(/licence must be on file/.test(text) ? { licence: true } : {}),
      ...(/upcoming test drives per customer/.test(text) ? { maxUpcoming: true } : {}),
    },
  };
}
