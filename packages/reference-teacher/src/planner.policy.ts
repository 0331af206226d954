import type { Memory, Understanding } from '@distillery/dealership';
import type { MistakeKind } from './mistakes.js';

type Scalar = string | number | boolean | null;
type Entities = Readonly<Record<string, Scalar>>;

/** A plan under construction: statements, the fields of the final `return`, and what to ask for. */
class PlanWriter {
  readonly lines: string[] = [];
  readonly returns: string[] = [];
  readonly needs: string[] = [];
  /** Business rules the request as asked would break (from the Evaluator's feedback): told, not broken. */
  readonly rules: string[] = [];
  /** Tools the request needs that the prompt does not offer (switched off): told, and a person asked to follow up. */
  readonly unavailable: string[] = [];

  /** A fresh variable name (a plan may call the same tool twice). */
  name(variable: string): string {
    let name = variable;
    for (let n = 2; this.returns.includes(name); n++) name = `${variable}${n}`;
    this.returns.push(name);
    return name;
  }

  call(variable: string, tool: string, args: Readonly<Record<string, unknown>>): string {
    const name = this.name(variable);
    this.lines.push(`const ${name} = ${tool}(${literal(args)});`);
    return name;
  }

  render(intents: readonly string[], flags: Readonly<Record<string, unknown>>): string {
    const fields = [`intents: ${JSON.stringify(intents)}`, ...this.returns, ...Object.entries(flags).map(([key, value]) => `${key}: ${JSON.stringify(value)}`)];
    if (this.rules.length) fields.push(`rules: ${JSON.stringify(this.rules)}`);
    if (this.unavailable.length) fields.push(`unavailable: ${JSON.stringify(this.unavailable)}`);
    if (this.needs.length) fields.push(`needs: ${JSON.stringify(this.needs)}`);
    return [...this.lines, `return { ${fields.join(', ')} };`].join('\n');
  }
}

/** An object literal in plan syntax (plain keys, JSON values), undefined values left out. */
function literal(args: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(args).filter(([, value]) => value !== undefined);
  return entries.length ? `{ ${entries.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')} }` : '{}';
}

const SEARCH_KEYS = ['make', 'model', 'body', 'fuel', 'minYear', 'maxPrice', 'maxMileage', 'colour', 'location', 'features', 'sort'] as const;

/**
 * The search the customer means: this turn's filters over the remembered ones; naming a new body
 * or make starts over on what would contradict it.
 */
export function searchFilters(remembered: Entities, current: Entities): Record<string, unknown> {
  const base: Record<string, Scalar> = { ...remembered };
  if (current.body !== undefined || current.make !== undefined) {
    delete base.model;
    if (current.body !== undefined) delete base.make;
    if (current.make !== undefined) delete base.body;
  }
  const merged: Record<string, Scalar> = { ...base, ...current };
  const filters: Record<string, unknown> = {};
  for (const key of SEARCH_KEYS) {
    const value = merged[key];
    if (value === undefined || value === null) continue;
    filters[key] = key === 'features' ? String(value).split(',').filter(Boolean) : value;
  }
  return { ...filters, limit: 5 };
}

const str = (value: Scalar | undefined): string | undefined => (typeof value === 'string' && value ? value : undefined);
const num = (value: Scalar | undefined): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** How the reference Planner breaks the rules on purpose when its mistake is `rule-violation`. */
function ruleBreaking(intent: string, args: Record<string, unknown>): Record<string, unknown> | undefined {
  if (intent === 'schedule_test_drive' && typeof args.slot === 'string') return { ...args, slot: `${args.slot.slice(0, 11)}07:00` };
  if (intent === 'estimate_financing') return { ...args, termMonths: 96 };
  if (intent === 'reserve_vehicle') return { ...args, deposit: 100 };
  return undefined;
}

/** The wrong tool the reference Planner reaches for when its mistake is `wrong-tool-call`. */
const WRONG_TOOL: Readonly<Record<string, string>> = {
  searchInventory: 'dealershipInfo',
  getVehicle: 'searchInventory',
  scheduleTestDrive: 'listTestDrives',
  availableSlots: 'listTestDrives',
  listTestDrives: 'customerProfile',
  estimateFinancing: 'customerProfile',
  appraiseTradeIn: 'customerProfile',
  reserveVehicle: 'getVehicle',
  dealershipInfo: 'customerProfile',
  handOffToHuman: 'dealershipInfo',
};

/** What to ask the customer when a tool call of theirs would break a rule. */
const ASK_AFTER_RULE: Readonly<Record<string, string>> = {
  reserveVehicle: 'whether to reserve it within that',
  estimateFinancing: 'a term and down payment within that',
  scheduleTestDrive: 'another time for the test drive',
};

/**
 * The business rules the Evaluator said a rejected plan broke, by tool: the lines
 * `- line L:C RULE_VIOLATION: tool: rule` of the replan feedback in the Planner's input.
 */
export function refusedByRule(input: string): Map<string, string[]> {
  const refused = new Map<string, string[]>();
  for (const [, tool, rule] of input.matchAll(/^- line \d+:\d+ RULE_VIOLATION: (\w+): (.+)$/gm)) refused.set(tool!, [...(refused.get(tool!) ?? []), rule!]);
  return refused;
}

/**
 * The reference Planner: a plan in the restricted JavaScript subset for the understood request.
 * Intents become tool calls in order; what is missing to serve one becomes a question (`needs`).
 * A call the Evaluator refused for a business rule (`refused`, on a replan) is not made again: the
 * plan tells the rule and asks how to go on. A tool its prompt does not offer (`offered`: switched
 * off) is not called: the plan says so and hands the customer to a person. With a mistake to make,
 * the first intent that calls a tool is planned wrong in that way.
 */
export function plan(
  understanding: Understanding,
  memory: Memory,
  mistake?: MistakeKind,
  refused: ReadonlyMap<string, readonly string[]> = new Map(),
  offered?: ReadonlySet<string>,
): string {
  const current = understanding.entities as Entities;
  const remembered = memory.entities as Entities;
  const vin = str(current.vin) ?? str(remembered.vin) ?? str(memory.state.vehicle as Scalar);
  const writer = new PlanWriter();
  const flags: Record<string, unknown> = {};
  let pendingMistake = mistake === 'wrong-entity' || mistake === 'invented-vehicle' || mistake === 'unfaithful-explanation' ? undefined : mistake;

  const offers = (tool: string) => !offered || offered.has(tool);
  /** One tool call of the plan, or of the mistake; the variable holding a correct result, if any. */
  const call = (intent: string, variable: string, tool: string, args: Record<string, unknown>): string | undefined => {
    if (!offers(tool)) {
      if (!writer.unavailable.includes(tool)) writer.unavailable.push(tool);
      return undefined;
    }
    const rules = refused.get(tool);
    if (rules?.length) {
      writer.rules.push(...rules);
      writer.needs.push(ASK_AFTER_RULE[tool] ?? 'how you would like to go on');
      return undefined;
    }
    if (pendingMistake === 'missing-tool-call') {
      pendingMistake = undefined;
      return undefined;
    }
    if (pendingMistake === 'wrong-tool-call' && WRONG_TOOL[tool]) {
      pendingMistake = undefined;
      const wrong = WRONG_TOOL[tool]!;
      writer.call(variable, wrong, wrong === 'getVehicle' && args.vin ? { vin: args.vin } : wrong === 'searchInventory' ? { limit: 5 } : {});
      return undefined;
    }
    const broken = pendingMistake === 'rule-violation' ? ruleBreaking(intent, args) : undefined;
    if (broken) pendingMistake = undefined;
    return writer.call(variable, tool, broken ?? args);
  };

  for (const intent of understanding.intents) {
    switch (intent) {
      case 'search_inventory':
        call(intent, 'search', 'searchInventory', searchFilters(remembered, current));
        break;
      case 'vehicle_details':
        if (vin) call(intent, 'vehicle', 'getVehicle', { vin });
        else writer.needs.push('which vehicle they mean');
        break;
      case 'schedule_test_drive': {
        const slot = str(current.slot);
        const date = str(current.date);
        if (!vin) writer.needs.push('which vehicle to test drive');
        else if (slot) {
          const booking = call(intent, 'booking', 'scheduleTestDrive', { vin, slot });
          if (booking && offers('availableSlots')) {
            // A taken or too-early slot: offer the free ones that day instead (a vehicle gone has none).
            const alternatives = writer.name('alternatives');
            writer.lines.push(`let ${alternatives} = null;`, `if (!${booking}.ok && ${booking}.error.code !== "NOT_FOUND" && ${booking}.error.code !== "VEHICLE_SOLD") {\n  ${alternatives} = availableSlots(${literal({ vin, date: slot.slice(0, 10) })});\n}`);
          }
        } else if (date) call(intent, 'slots', 'availableSlots', { vin, date });
        else writer.needs.push('the day and time for the test drive');
        break;
      }
      case 'list_test_drives':
        call(intent, 'drives', 'listTestDrives', {});
        break;
      case 'cancel_test_drive': {
        const id = str(current.testDriveId);
        // Not offered, the call only records that it is not.
        if (!offers('cancelTestDrive') || id) call(intent, 'cancelled', 'cancelTestDrive', { testDriveId: id });
        else {
          const drives = call(intent, 'drives', 'listTestDrives', {});
          if (drives) {
            const cancelled = writer.name('cancelled');
            writer.lines.push(`let ${cancelled} = null;`, `if (${drives}.ok && ${drives}.testDrives.length === 1) {\n  ${cancelled} = cancelTestDrive({ testDriveId: ${drives}.testDrives[0].id });\n}`);
          }
        }
        break;
      }
      case 'estimate_financing':
        if (vin) {
          call(intent, 'financing', 'estimateFinancing', {
            vin,
            termMonths: num(current.termMonths) ?? num(remembered.termMonths),
            downPayment: num(current.downPayment) ?? num(remembered.downPayment),
            creditTier: str(current.creditTier) ?? str(remembered.creditTier),
          });
        } else writer.needs.push('which vehicle to finance');
        break;
      case 'appraise_trade_in': {
        const trade = { make: str(current.tradeMake) ?? str(remembered.tradeMake), model: str(current.tradeModel) ?? str(remembered.tradeModel), year: num(current.tradeYear) ?? num(remembered.tradeYear), mileage: num(current.tradeMileage) ?? num(remembered.tradeMileage) };
        const missing = Object.entries(trade).filter(([, value]) => value === undefined).map(([key]) => key);
        if (missing.length) writer.needs.push(`the trade-in's ${missing.join(', ')}`);
        else call(intent, 'tradeIn', 'appraiseTradeIn', { ...trade, condition: str(current.tradeCondition) ?? str(remembered.tradeCondition) });
        break;
      }
      case 'reserve_vehicle':
        if (vin) call(intent, 'reservation', 'reserveVehicle', { vin, deposit: num(current.deposit) });
        else writer.needs.push('which vehicle to reserve');
        break;
      case 'dealership_info':
        call(intent, 'info', 'dealershipInfo', { location: str(current.location) });
        break;
      case 'hand_off':
        call(intent, 'handOff', 'handOffToHuman', { reason: 'the customer asked to speak with a person' });
        break;
      case 'out_of_scope':
        flags.outOfScope = true;
        if (current.injection) flags.injection = true;
        break;
      default:
        flags[intent === 'end_conversation' ? 'goodbye' : intent] = true;
    }
  }
  if (writer.unavailable.length && offers('handOffToHuman') && !writer.lines.some((line) => line.includes('handOffToHuman('))) {
    writer.call('handOff', 'handOffToHuman', { reason: `the customer asked for ${writer.unavailable.join(' and ')}, switched off for now` });
  }
  return writer.render(understanding.intents, flags);
}
