import { casual, ordinal, withTypos } from '../persona/phrasing.js';
import { type Goal, type Persona, type VehicleCriteria, WEEKDAY_NAMES, type WeekdayName } from '../persona/persona.js';
import { type ListedVehicle, type ReplyReading, readReply } from '../persona/reply-reading.js';
import { Draws } from '../persona/seeded.js';
import { Utterances } from '../persona/utterances.js';
import type { AgentReply, ExitReason, SimulatedCustomer, SimulatorAction, SwitchStep, UserSimulator } from './user-simulator.js';

/** A stage of the goal: find a vehicle, confirm a known one, make the main request, cancel what was booked. */
type Step = 'find' | 'identify' | 'act' | 'cancel';

/** What the last utterance was, so the reply is read against it. */
type Awaiting = 'opener' | 'main' | 'interjection' | 'closing';

interface Interjection {
  readonly at: number;
  readonly kind: 'out-of-scope' | 'injection';
  done: boolean;
}

const OPEN_DAYS: readonly WeekdayName[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const NEIGHBOUR_BODIES: Readonly<Record<string, string>> = { suv: 'minivan', minivan: 'suv', sedan: 'hatchback', hatchback: 'sedan', truck: 'suv', coupe: 'sedan', wagon: 'suv' };

/**
 * The `reference` user simulator: a goal-driven persona written as code. It reads each reply the
 * way a customer would (readReply), moves towards its goal step by step, adapts to what the
 * dealership says (another time, another car, a higher deposit, its credit tier), makes its
 * one-off moves (a change of mind, two requests at once, an out-of-scope question, an injection
 * attempt) and brings the planned business switch with the request it bears on. It gives up after
 * `patience` unhelpful replies. All its choices come from the persona's seed and the replies.
 */
export class ReferenceCustomer implements SimulatedCustomer {
  private readonly draws: Draws;
  private readonly say: Utterances;
  private readonly steps: Step[];
  private criteria: VehicleCriteria | undefined;
  private day: WeekdayName | undefined;
  private hour: number | undefined;
  private deposit: number | undefined;
  private termMonths: number | undefined;
  private creditTier: string | undefined;
  private vehicle: { vin: string; position?: number } | undefined;
  private listing: readonly ListedVehicle[] = [];
  /** The vehicle was listed in the reply just read, so an ordinal points at it. */
  private listedJustNow = false;
  private readonly excluded = new Set<string>();
  private confirmation: string | undefined;
  private turn = 0;
  private stalls = 0;
  private awaiting: Awaiting | undefined;
  private readonly interjections: Interjection[] = [];
  private mindChange: 'pending' | 'due' | 'done' = 'done';
  private secondIntentDone = false;
  private mainSwitchDone = false;
  private answerCredit = false;
  private cancelById = false;
  private useVin = false;
  private gaveUp: string | undefined;
  private reached = false;
  /** The last reply offered free times and one was taken. */
  private offeredTime = false;

  constructor(private readonly persona: Persona) {
    this.draws = new Draws(persona.seed);
    this.say = new Utterances(this.draws, persona.phrasing);
    const goal = persona.goal;
    this.criteria = goal.criteria;
    this.day = goal.day;
    this.hour = goal.hour;
    this.deposit = goal.deposit;
    this.termMonths = goal.termMonths;
    this.creditTier = goal.creditTier;
    this.steps = stepsOf(goal);
    if (persona.moves.changeOfMind && this.steps[0] === 'find') this.mindChange = 'pending';
    // The agents' hand-off ends the conversation: a hand-off persona makes its one-off moves before asking for a person.
    const at = (drawn: number) => (goal.kind === 'hand_off' ? 0 : drawn);
    if (persona.moves.outOfScope) this.interjections.push({ at: at(this.draws.int(1, 3)), kind: 'out-of-scope', done: false });
    if (persona.moves.injection) this.interjections.push({ at: at(this.draws.int(1, 3)), kind: 'injection', done: false });
  }

  async next(reply?: AgentReply): Promise<SimulatorAction> {
    if (reply) {
      const reading = readReply(reply.text, reply.ended);
      const ending = this.ending(reading);
      if (ending) return { kind: 'exit', reason: ending };
      if (this.awaiting === 'main') this.observe(reading);
    }
    const due = this.interjections.find((interjection) => !interjection.done && (interjection.at <= this.turn || this.reached));
    if (this.reached && !due) {
      if (this.persona.style.chatty) return this.utter('closing', this.say.closing());
      return { kind: 'exit', reason: 'goal_reached' };
    }
    if (this.gaveUp) return { kind: 'exit', reason: 'gave_up', detail: this.gaveUp };
    if (this.stalls > this.persona.style.patience) return { kind: 'exit', reason: 'gave_up', detail: `${this.stalls} unhelpful replies` };
    const first = this.turn === 0;
    const removal: SwitchStep | undefined = first && this.persona.switch?.kind === 'tool_added' ? { kind: 'tool_removed', tool: this.persona.switch.tool! } : undefined;
    // A planned switch must land mid-conversation: open with a greeting when the first request would carry it.
    if (first && (this.persona.style.chatty || this.persona.switch)) return this.utter('opener', this.say.greeting(), removal);
    if (due) {
      due.done = true;
      return this.utter('interjection', due.kind === 'injection' ? this.say.injection() : this.say.outOfScope(), removal, due.kind === 'injection');
    }
    const { text, switchStep } = this.request();
    return this.utter('main', text, removal ?? switchStep);
  }

  /** How the conversation ends on this reply, if it does. */
  private ending(reading: ReplyReading): ExitReason | undefined {
    if (this.awaiting === 'closing' || (this.reached && (reading.ended || reading.handedOff))) return 'goal_reached';
    if (reading.handedOff) return this.persona.goal.kind === 'hand_off' && this.awaiting === 'main' ? 'goal_reached' : 'handed_off';
    if (reading.ended) return this.reached || reading.goodbye ? 'goal_reached' : 'gave_up';
    return undefined;
  }

  private utter(awaiting: Awaiting, text: string, switchStep?: SwitchStep, verbatim = false): SimulatorAction {
    this.awaiting = awaiting;
    this.turn++;
    let said = verbatim ? text : casual(text, this.draws);
    if (!verbatim && this.draws.chance(this.persona.style.typoRate)) said = withTypos(said, this.draws);
    return { kind: 'say', text: said, ...(switchStep ? { switch: switchStep } : {}) };
  }

  /** The request of the current step, with the planned switch when it is the main request's first time. */
  private request(): { text: string; switchStep?: SwitchStep } {
    const step = this.steps[0]!;
    const indirect = this.persona.style.indirect && this.stalls === 0;
    let text: string;
    let switchStep: SwitchStep | undefined;
    if (step === 'find') {
      text = this.mindChange === 'due' ? this.say.changeOfMind(this.criteria!) : this.say.search(this.criteria!, this.persona.topic, indirect && this.turn <= 1);
      if (this.mindChange === 'due') this.mindChange = 'done';
    } else if (step === 'identify') {
      text = this.say.identify(this.persona.goal.knownVin!);
    } else if (step === 'cancel') {
      text = this.say.cancel(this.cancelById ? this.confirmation : undefined);
    } else {
      text = this.act(indirect);
      if (!this.mainSwitchDone && this.persona.switch) {
        this.mainSwitchDone = true;
        switchStep = this.mainSwitch();
      }
    }
    if (this.persona.moves.multiIntent && !this.secondIntentDone && this.persona.goal.kind !== 'hand_off') {
      this.secondIntentDone = true;
      text = this.say.withSecondIntent(text);
    }
    return { text, ...(switchStep ? { switchStep } : {}) };
  }

  private mainSwitch(): SwitchStep | undefined {
    const planned = this.persona.switch!;
    if (planned.kind === 'vehicle_sold') return this.vehicle ? { kind: 'vehicle_sold', vin: this.vehicle.vin } : undefined;
    if (planned.kind === 'rule_change') return { kind: 'rule_change', rule: planned.rule! };
    return { kind: 'tool_added', tool: planned.tool! };
  }

  /** How the customer points at their vehicle: an ordinal of the listing just shown, its VIN, or "it". */
  private ref(): string {
    const vehicle = this.vehicle!;
    if (this.useVin) return `VIN ${vehicle.vin}`;
    if (this.listedJustNow && vehicle.position) return this.draws.chance(0.7) ? `the ${ordinal(vehicle.position)} one` : `VIN ${vehicle.vin}`;
    return this.draws.chance(0.6) ? `VIN ${vehicle.vin}` : 'it';
  }

  private act(indirect: boolean): string {
    const goal = this.persona.goal;
    switch (goal.kind) {
      case 'browse':
        return this.say.details(this.ref(), indirect);
      case 'test_drive':
      case 'cancel_test_drive':
        return this.offeredTime ? this.say.takeTime(this.day!, this.hour!) : this.say.testDrive(this.ref(), this.day!, this.hour!, indirect);
      case 'financing':
        if (this.answerCredit) {
          this.answerCredit = false;
          return this.say.creditAnswer(this.creditTier!);
        }
        return this.say.financing(this.ref(), this.termMonths!, goal.downPayment, this.creditTier, indirect);
      case 'trade_in':
        return this.say.tradeIn(goal.tradeIn!, indirect);
      case 'reservation':
        return this.say.reserve(this.ref(), this.deposit, indirect);
      case 'opening_hours':
        return this.say.hours(goal.lot, indirect);
      case 'hand_off':
        return this.say.handOff(goal.handOffTopic!, indirect);
    }
  }


  /** Reads the reply to a main request: the step is done, or the customer adapts, or it counts as unhelpful. */
  private observe(reading: ReplyReading): void {
    const step = this.steps[0];
    this.listedJustNow = false;
    this.offeredTime = false;
    if (reading.listed.length) this.listing = reading.listed;
    if (step === 'find') return this.observeSearch(reading);
    if (step === 'identify') {
      if (reading.sold) return this.vehicleGone(this.persona.goal.knownVin!);
      if (reading.details && reading.vins.includes(this.persona.goal.knownVin!)) {
        this.vehicle = { vin: this.persona.goal.knownVin! };
        return this.advance();
      }
      return this.stall();
    }
    if (step === 'cancel') {
      if (reading.cancelled) return this.advance();
      if (this.confirmation && reading.upcomingDrives.includes(this.confirmation)) {
        this.cancelById = true;
        return;
      }
      return this.stall();
    }
    this.observeAct(reading);
  }

  private observeSearch(reading: ReplyReading): void {
    if (reading.listed.length) {
      const choice = this.choose(reading.listed);
      if (this.mindChange === 'pending') {
        this.mindChange = 'due';
        this.criteria = changedMind(this.criteria!, this.draws);
        return;
      }
      if (choice) {
        this.vehicle = { vin: choice.vin, position: choice.position };
        this.listedJustNow = true;
        return this.advance();
      }
      this.criteria = relaxed(this.criteria!);
      return this.stall();
    }
    if (reading.noMatches) this.criteria = relaxed(this.criteria!);
    this.stall();
  }

  private observeAct(reading: ReplyReading): void {
    const goal = this.persona.goal;
    if (this.vehicle && reading.sold) return this.vehicleGone(this.vehicle.vin);
    const done =
      goal.kind === 'browse' ? reading.details
      : goal.kind === 'test_drive' || goal.kind === 'cancel_test_drive' ? reading.booked !== undefined
      : goal.kind === 'financing' ? reading.payment
      : goal.kind === 'trade_in' ? reading.offer
      : goal.kind === 'reservation' ? reading.reserved
      : goal.kind === 'opening_hours' ? reading.hours
      : reading.handedOff;
    if (done) {
      this.confirmation = reading.booked?.confirmation;
      return this.advance();
    }
    const limits = reading.limits;
    if (limits.licence) return void (this.gaveUp = 'no driving licence on file for a test drive');
    if (limits.maxUpcoming) return void (this.gaveUp = 'already has the most upcoming test drives allowed');
    if (limits.maxAgeYears !== undefined) return void (this.gaveUp = `the trade-in is older than ${limits.maxAgeYears} years`);
    if (reading.freeTimes.length) {
      this.hour = Number(this.draws.pick(reading.freeTimes).slice(0, 2));
      this.offeredTime = true;
      return;
    }
    if (reading.noFreeTimes || limits.closedDay || limits.leadHours !== undefined || limits.horizonDays !== undefined) {
      this.day = this.otherDay(limits);
      if (this.hour !== undefined && this.day === 'saturday') this.hour = Math.min(this.hour, 14);
      return this.stall(0.5);
    }
    if (limits.minDeposit !== undefined) {
      this.deposit = limits.minDeposit;
      return this.stall(0.5);
    }
    if (limits.termNotOffered) {
      this.termMonths = 60;
      return this.stall(0.5);
    }
    if (reading.needsCreditTier) {
      this.creditTier ??= this.persona.creditTier ?? 'good';
      this.answerCredit = true;
      return;
    }
    if (goal.kind === 'reservation' && this.vehicle && reading.alreadyReserved) return this.vehicleGone(this.vehicle.vin);
    if (reading.asks) this.useVin = true;
    this.stall();
  }

  /** A listed vehicle that fits the wish, not ruled out before. */
  private choose(listed: readonly ListedVehicle[]): ListedVehicle | undefined {
    const criteria = this.criteria!;
    const fitting = listed.filter(
      (vehicle) =>
        !this.excluded.has(vehicle.vin) &&
        !(vehicle.reserved && this.persona.goal.kind !== 'browse') &&
        vehicle.price <= criteria.maxPrice * 1.05 &&
        (criteria.minYear === undefined || vehicle.year >= criteria.minYear) &&
        (criteria.fuel === undefined || vehicle.fuel === criteria.fuel),
    );
    if (!fitting.length) return undefined;
    return this.draws.chance(0.5) ? fitting[0] : this.draws.pick(fitting);
  }

  /** The vehicle is sold or taken: another one from the last listing, or search again. */
  private vehicleGone(vin: string): void {
    this.excluded.add(vin);
    this.vehicle = undefined;
    const other = this.choose(this.listing);
    if (this.steps[0] === 'identify') {
      // The car they came for is gone: look for one like it.
      this.steps.splice(0, 1, 'find', ...(this.persona.goal.kind === 'browse' ? (['act'] as const) : []));
    } else if (other) {
      this.vehicle = { vin: other.vin };
      this.useVin = true;
    } else {
      this.steps.unshift('find');
    }
    this.stall(0.5);
  }

  private otherDay(limits: ReplyReading['limits']): WeekdayName {
    const today = new Date().getUTCDay();
    const ahead = (days: number) => WEEKDAY_NAMES[(today + days) % 7]!;
    if (limits.horizonDays !== undefined) return ahead(1) === 'sunday' ? ahead(2) : ahead(1);
    if (limits.leadHours !== undefined) {
      for (let days = Math.ceil(limits.leadHours / 24) + 1; days < 7; days++) if (ahead(days) !== 'sunday') return ahead(days);
    }
    const others = OPEN_DAYS.filter((day) => day !== this.day && day !== limits.closedDay && !(limits.closedDay && day === 'saturday'));
    return this.draws.pick(others);
  }

  private advance(): void {
    this.steps.shift();
    this.stalls = 0;
    this.useVin = false;
    if (!this.steps.length) this.reached = true;
  }

  /** An unhelpful reply; adapting to a rule counts half. */
  private stall(weight = 1): void {
    this.stalls += weight;
  }
}

function stepsOf(goal: Goal): Step[] {
  if (!goal.criteria || !['browse', 'test_drive', 'financing', 'reservation', 'cancel_test_drive'].includes(goal.kind)) return ['act'];
  const find: Step = goal.knownVin ? 'identify' : 'find';
  if (goal.kind === 'browse') return goal.knownVin ? ['identify'] : ['find', 'act'];
  return goal.kind === 'cancel_test_drive' ? [find, 'act', 'cancel'] : [find, 'act'];
}

/** A wider search after none fitted: a higher budget, no fuel, year or model preference. */
function relaxed(criteria: VehicleCriteria): VehicleCriteria {
  return { body: criteria.body, maxPrice: Math.ceil((criteria.maxPrice * 1.2) / 1000) * 1000 };
}

/** The customer changes their mind after the first results: another body, or more budget. */
function changedMind(criteria: VehicleCriteria, draws: Draws): VehicleCriteria {
  if (draws.chance(0.5)) return { body: NEIGHBOUR_BODIES[criteria.body] ?? 'suv', maxPrice: criteria.maxPrice };
  const { make: _make, model: _model, ...rest } = criteria;
  return { ...rest, maxPrice: Math.ceil((criteria.maxPrice * 1.15) / 1000) * 1000 };
}

/** The `reference` policy: a ReferenceCustomer per conversation. */
export const referenceSimulator: UserSimulator = {
  policy: 'reference',
  open: (persona: Persona): SimulatedCustomer => new ReferenceCustomer(persona),
};
