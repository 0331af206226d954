import { randomUUID } from 'node:crypto';
import { preparedQuery } from '@distillery/storage';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { TurnContext } from '../pipeline/toolbox.js';
import type { PlanToolCatalog } from '../plans/plan-validator.js';
import type { SandboxTool } from '../plans/plan-sandbox.js';
import {
  CREDIT_TIERS, type DealershipRules, instantOfLocal, localTime, monthlyPayment, roundCents, slotShapeViolations, slotsOfDay, TRADE_IN_CONDITIONS,
} from './dealership-rules.js';
import { CustomerEntity, ReservationEntity, TestDriveEntity, VehicleEntity } from './dealership.entities.js';
import { BODIES, FUELS, LOTS, referencePrice } from './vehicle-catalog.js';

const vin = z.string().regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'a VIN is 17 characters, letters and digits without I, O or Q');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const slot = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'expected YYYY-MM-DDTHH:MM');
const lot = z.enum(LOTS.map((entry) => entry.id) as [string, ...string[]]);
const money = z.number().int().min(0).max(1_000_000);

/** The tools' argument schemas: the Evaluator checks plans with them and the tools check calls with them. */
export const TOOL_ARGS = {
  searchInventory: z.strictObject({
    make: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    body: z.enum(BODIES).optional(),
    fuel: z.enum(FUELS).optional(),
    minYear: z.number().int().min(1990).max(2100).optional(),
    maxPrice: money.optional(),
    maxMileage: z.number().int().min(0).optional(),
    colour: z.string().min(1).optional(),
    location: lot.optional(),
    features: z.array(z.string().min(1)).max(5).optional(),
    sort: z.enum(['price', 'year', 'mileage']).optional(),
    limit: z.number().int().min(1).max(10).optional(),
  }),
  getVehicle: z.strictObject({ vin }),
  availableSlots: z.strictObject({ vin, date }),
  scheduleTestDrive: z.strictObject({ vin, slot }),
  listTestDrives: z.strictObject({}),
  cancelTestDrive: z.strictObject({ testDriveId: z.string().regex(/^td_[a-z0-9]+$/, 'expected a test drive id such as td_1a2b3c4d') }),
  customerProfile: z.strictObject({}),
  estimateFinancing: z.strictObject({
    vin: vin.optional(),
    price: money.optional(),
    downPayment: money.optional(),
    termMonths: z.number().int().positive().optional(),
    creditTier: z.enum(CREDIT_TIERS).optional(),
  }),
  appraiseTradeIn: z.strictObject({
    make: z.string().min(1),
    model: z.string().min(1),
    year: z.number().int().min(1950).max(2100),
    mileage: z.number().int().min(0).max(1_000_000),
    condition: z.enum(TRADE_IN_CONDITIONS).optional(),
  }),
  reserveVehicle: z.strictObject({ vin, deposit: money.optional() }),
  dealershipInfo: z.strictObject({ location: lot.optional() }),
  handOffToHuman: z.strictObject({ reason: z.string().min(1).max(500) }),
} as const;

export type ToolName = keyof typeof TOOL_ARGS;
type Args<T extends ToolName> = z.infer<(typeof TOOL_ARGS)[T]>;

export const TOOL_DOCS: Readonly<Record<ToolName, { description: string; returns: string }>> = {
  searchInventory: { description: 'Available vehicles matching the filters (all optional), cheapest first unless sorted otherwise.', returns: '{ok, total, vehicles: [{vin, year, make, model, trim, body, fuel, price, mileage, colour, location, reserved}]}' },
  getVehicle: { description: 'One vehicle by VIN, with its features and whether it is sold or reserved.', returns: '{ok, vehicle}' },
  availableSlots: { description: 'Free test-drive slots for a vehicle on a date.', returns: '{ok, vin, date, slots: ["YYYY-MM-DDTHH:MM", …]}' },
  scheduleTestDrive: { description: 'Books a one-hour test drive of a vehicle for the customer.', returns: '{ok, testDrive: {id, vin, vehicle, slot, location}}' },
  listTestDrives: { description: "The customer's upcoming test drives, each saying whether its vehicle has been sold since.", returns: '{ok, testDrives: [{id, vin, vehicle, slot, location, sold}]}' },
  cancelTestDrive: { description: 'Cancels one of the customer\'s upcoming test drives.', returns: '{ok, cancelled: {id, slot}}' },
  customerProfile: { description: 'What the dealership has on file for the customer.', returns: '{ok, customer: {name, licenceOnFile, creditTier}}' },
  estimateFinancing: { description: 'Monthly payment for a vehicle (by VIN; a sold one is refused) or a price; down payment defaults to the minimum, term to 60 months, credit tier to the one on file.', returns: '{ok, price, downPayment, amountFinanced, termMonths, creditTier, apr, monthlyPayment, totalCost}' },
  appraiseTradeIn: { description: "A trade-in offer range for the customer's current car.", returns: '{ok, offer: {low, high}, basis}' },
  reserveVehicle: { description: 'Holds an available vehicle for the customer against a deposit.', returns: '{ok, reservation: {id, vin, deposit, expiresAt}}' },
  dealershipInfo: { description: 'Lots, addresses, phone numbers and opening hours.', returns: '{ok, locations: [{id, name, address, phone, hours}]}' },
  handOffToHuman: { description: 'Asks a salesperson to contact the customer; use when they ask for a person or the request cannot be served.', returns: '{ok, ticket}' },
};

/** A structured tool failure: plans branch on `ok`, the Explainer reads `error`. */
export interface ToolError {
  readonly ok: false;
  readonly error: { readonly code: string; readonly message: string; readonly rule?: string };
}

/** The select-list column saying whether an active reservation holds the row's vehicle at `now` (a parameter). */
function reservedFlag(now: string): string {
  return `EXISTS (SELECT 1 FROM agents.reservations r WHERE r.vin = vehicles.vin AND r.status = 'active' AND r.expires_at > ${now}) AS reserved`;
}

function fail(code: string, message: string, rule?: string): ToolError {
  return { ok: false, error: { code, message, ...(rule ? { rule } : {}) } };
}

/** Rules that can be judged from a plan's literal arguments, before it runs (the Evaluator's static business checks). */
export function staticRules(rules: DealershipRules): { [T in ToolName]?: (args: Args<T>) => string[] } {
  return {
    scheduleTestDrive: (args) => slotShapeViolations(rules, args.slot),
    estimateFinancing: (args) => {
      const problems: string[] = [];
      if (args.termMonths !== undefined && !rules.financing.termsMonths.includes(args.termMonths)) problems.push(`a ${args.termMonths}-month term is not offered (terms: ${rules.financing.termsMonths.join(', ')})`);
      if (args.termMonths !== undefined && args.creditTier && rules.financing.tiers[args.creditTier].aprByTerm[args.termMonths] === undefined) problems.push(`a ${args.termMonths}-month term is not offered to ${args.creditTier} credit`);
      if (args.vin === undefined && args.price === undefined) problems.push('needs a vin or a price');
      return problems;
    },
    reserveVehicle: (args) => (args.deposit !== undefined && args.deposit < rules.reservations.minDeposit ? [`the deposit must be at least $${rules.reservations.minDeposit}`] : []),
  };
}

/** Why a trade-in of `year` is refused at dealership-local `localYear`, or undefined: the tool's check, and the Evaluator's before a plan runs. */
export function tradeInAgeViolation(rules: DealershipRules, year: number, localYear: number): string | undefined {
  return Math.max(0, localYear - year) > rules.tradeIn.maxAgeYears ? `vehicles older than ${rules.tradeIn.maxAgeYears} years are not taken in trade` : undefined;
}

/**
 * What the Evaluator checks of each tool: its arguments and static rules, and the trade-in age
 * (at `now`, the clock when absent): a plan that appraises a car the rules refuse is sent back,
 * as one under the minimum deposit is. The tool keeps its own age check (rule `trade_in_age`).
 */
export function toolCatalog(rules: DealershipRules, now?: Date): PlanToolCatalog {
  const checks: Record<string, ((args: Record<string, unknown>) => string[]) | undefined> = {
    ...(staticRules(rules) as Record<string, ((args: Record<string, unknown>) => string[]) | undefined>),
    appraiseTradeIn: (args) => {
      const violation = typeof args.year === 'number' ? tradeInAgeViolation(rules, args.year, localTime(rules, now ?? new Date()).getUTCFullYear()) : undefined;
      return violation ? [violation] : [];
    },
  };
  return Object.fromEntries(Object.entries(TOOL_ARGS).map(([name, args]) => [name, { args, ...(checks[name] ? { staticRules: checks[name] } : {}) }]));
}

type VehicleSummary = Pick<VehicleEntity, 'vin' | 'year' | 'make' | 'model' | 'trim' | 'body' | 'fuel' | 'price' | 'mileage' | 'colour' | 'location'> & { reserved: boolean };

function summary(vehicle: VehicleEntity, reserved: boolean): VehicleSummary {
  const { vin: id, year, make, model, trim, body, fuel, price, mileage, colour, location } = vehicle;
  return { vin: id, year, make, model, trim, body, fuel, price, mileage, colour, location, reserved };
}

function describeVehicle(vehicle: VehicleEntity): string {
  return `${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim}`;
}

/**
 * The vehicle a tool is bound to, or why it cannot serve it: no such vehicle, or it has been sold —
 * perhaps since the customer last heard of it, so every such tool says so rather than answer as if not.
 */
function onSale<T extends VehicleEntity>(vehicle: T | null | undefined, vin: string): T | ToolError {
  if (!vehicle) return fail('NOT_FOUND', `no vehicle with VIN ${vin}`);
  if (vehicle.status === 'sold') return fail('VEHICLE_SOLD', `the ${describeVehicle(vehicle)} has been sold`);
  return vehicle;
}

function isToolError(value: object): value is ToolError {
  return (value as { ok?: unknown }).ok === false;
}

/**
 * The dealership's tools for one turn: bound to the customer and the turn's clock, reading the
 * rules in force, writing bookings and holds transactionally. Every tool checks its arguments
 * with the same schema the Evaluator used and answers errors as data.
 */
export class DealershipTools {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: DealershipRules,
    private readonly context: TurnContext,
  ) {}

  /** The tools as the sandbox calls them: arguments validated, failures structured, never thrown. */
  bind(): Record<ToolName, SandboxTool> {
    const bound = {} as Record<ToolName, SandboxTool>;
    for (const name of Object.keys(TOOL_ARGS) as ToolName[]) {
      bound[name] = async (raw) => {
        const parsed = TOOL_ARGS[name].safeParse(raw);
        if (!parsed.success) return fail('INVALID_ARGUMENT', `${name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`).join('; ')}`);
        const rule = (staticRules(this.rules) as Record<string, ((args: unknown) => string[]) | undefined>)[name]?.(parsed.data);
        if (rule?.length) return fail('RULE_VIOLATION', rule.join('; '), name);
        return (this[name] as (args: unknown) => Promise<unknown>).call(this, parsed.data);
      };
    }
    return bound;
  }

  private get localNow(): Date {
    return localTime(this.rules, this.context.now);
  }

  private async reservedVins(manager: EntityManager, vins: readonly string[]): Promise<Set<string>> {
    if (!vins.length) return new Set();
    const rows = (await preparedQuery(manager, `SELECT vin FROM agents.reservations WHERE vin = ANY($1) AND status = 'active' AND expires_at > $2`, [vins, this.context.now])) as Array<{ vin: string }>;
    return new Set(rows.map((row) => row.vin));
  }

  async searchInventory(args: Args<'searchInventory'>) {
    const where: string[] = [`status = 'available'`];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (args.make) add('lower(make) = lower(?)', args.make);
    if (args.model) add('lower(model) = lower(?)', args.model);
    if (args.body) add('body = ?', args.body);
    if (args.fuel) add('fuel = ?', args.fuel);
    if (args.minYear) add('year >= ?', args.minYear);
    if (args.maxPrice !== undefined) add('price <= ?', args.maxPrice);
    if (args.maxMileage !== undefined) add('mileage <= ?', args.maxMileage);
    if (args.colour) add('lower(colour) = lower(?)', args.colour);
    if (args.location) add('location = ?', args.location);
    for (const feature of args.features ?? []) add('features @> ?::jsonb', JSON.stringify([feature.toLowerCase()]));
    const order = args.sort === 'year' ? 'year DESC, price' : args.sort === 'mileage' ? 'mileage, price' : 'price, year DESC';
    // One statement: the window count is taken before LIMIT, the reservation flag per row.
    params.push(this.context.now);
    const rows = (await this.dataSource.query(
      `SELECT *, count(*) OVER ()::int AS total, ${reservedFlag(`$${params.length}`)} FROM agents.vehicles WHERE ${where.join(' AND ')} ORDER BY ${order}, vin LIMIT ${args.limit ?? 5}`,
      params,
    )) as Array<VehicleEntity & { total: number; reserved: boolean }>;
    return { ok: true, total: rows[0]?.total ?? 0, vehicles: rows.map((row) => summary(row, row.reserved)) };
  }

  async getVehicle(args: Args<'getVehicle'>) {
    const vehicle = await this.vehicle(args.vin);
    if (!vehicle) return fail('NOT_FOUND', `no vehicle with VIN ${args.vin}`);
    return { ok: true, vehicle: { ...summary(vehicle, vehicle.reserved), features: vehicle.features, status: vehicle.status } };
  }

  /** A vehicle with whether an active reservation holds it, in one statement. */
  private async vehicle(vin: string): Promise<(VehicleEntity & { reserved: boolean }) | undefined> {
    const [row] = (await this.dataSource.query(`SELECT *, ${reservedFlag('$2')} FROM agents.vehicles WHERE vin = $1`, [vin, this.context.now])) as Array<VehicleEntity & { reserved: boolean }>;
    return row;
  }

  async availableSlots(args: Args<'availableSlots'>) {
    const vehicle = onSale(await this.vehicle(args.vin), args.vin);
    if (isToolError(vehicle)) return vehicle;
    const booked = (await preparedQuery(this.dataSource, `SELECT vin, slot FROM agents.test_drives WHERE status = 'scheduled' AND location = $1 AND slot LIKE $2`, [vehicle.location, `${args.date}T%`])) as Array<{ vin: string; slot: string }>;
    if (booked.length >= this.rules.testDrives.slotsPerDayPerLocation) return { ok: true, vin: args.vin, date: args.date, slots: [], note: 'the lot is fully booked that day' };
    const taken = new Set(booked.filter((row) => row.vin === args.vin).map((row) => row.slot));
    const slots = slotsOfDay(this.rules, args.date).filter((candidate) => !taken.has(candidate) && this.timingViolation(candidate) === undefined);
    return { ok: true, vin: args.vin, date: args.date, location: vehicle.location, slots };
  }

  /** Lead time and booking horizon, against the turn's clock. */
  private timingViolation(candidate: string): ToolError | undefined {
    const start = instantOfLocal(this.rules, candidate).getTime();
    const now = this.context.now.getTime();
    const { leadTimeHours, horizonDays } = this.rules.testDrives;
    if (start < now + leadTimeHours * 3_600_000) return fail('RULE_VIOLATION', `test drives must be booked at least ${leadTimeHours} hours ahead; ${candidate} is too soon`, 'lead_time');
    if (start > now + horizonDays * 86_400_000) return fail('RULE_VIOLATION', `test drives can be booked at most ${horizonDays} days ahead; ${candidate} is too far out`, 'horizon');
    return undefined;
  }

  private async customer(manager: EntityManager): Promise<CustomerEntity | undefined> {
    const [row] = (await preparedQuery(manager, 'SELECT id, name, email, licence_on_file AS "licenceOnFile", credit_tier AS "creditTier" FROM agents.customers WHERE id = $1', [this.context.customerId])) as CustomerEntity[];
    return row;
  }

  async scheduleTestDrive(args: Args<'scheduleTestDrive'>) {
    const timing = this.timingViolation(args.slot);
    if (timing) return timing;
    return this.dataSource.transaction(async (manager) => {
      const vehicle = onSale(await manager.getRepository(VehicleEntity).findOne({ where: { vin: args.vin }, lock: { mode: 'pessimistic_write' } }), args.vin);
      if (isToolError(vehicle)) return vehicle;
      const customer = await this.customer(manager);
      if (this.rules.testDrives.licenceRequired && !customer?.licenceOnFile) return fail('RULE_VIOLATION', "a driving licence must be on file before a test drive; the customer can bring it to the lot or send it to a salesperson", 'licence');
      // Serialise bookings per lot and day, so the daily cap holds under concurrent turns.
      await preparedQuery(manager, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`${vehicle.location}/${args.slot.slice(0, 10)}`]);
      const [{ lotDay, vehicleSlot, customerSlot, upcoming }] = (await preparedQuery(manager,
        `SELECT count(*) FILTER (WHERE location = $1 AND slot LIKE $2)::int AS "lotDay",
                count(*) FILTER (WHERE vin = $3 AND slot = $4)::int AS "vehicleSlot",
                count(*) FILTER (WHERE customer_id = $5 AND slot = $4)::int AS "customerSlot",
                count(*) FILTER (WHERE customer_id = $5 AND slot > $6)::int AS upcoming
           FROM agents.test_drives WHERE status = 'scheduled'`,
        [vehicle.location, `${args.slot.slice(0, 10)}T%`, args.vin, args.slot, this.context.customerId, this.localNow.toISOString().slice(0, 16)],
      )) as [{ lotDay: number; vehicleSlot: number; customerSlot: number; upcoming: number }];
      if (vehicleSlot > 0) return fail('SLOT_TAKEN', `the ${describeVehicle(vehicle)} is already booked at ${args.slot}`, 'one_vehicle_per_slot');
      if (customerSlot > 0) return fail('RULE_VIOLATION', `the customer already has a test drive at ${args.slot}`, 'one_vehicle_per_slot');
      if (lotDay >= this.rules.testDrives.slotsPerDayPerLocation) return fail('RULE_VIOLATION', `the ${vehicle.location} lot is fully booked on ${args.slot.slice(0, 10)}`, 'slots_per_day');
      if (upcoming >= this.rules.testDrives.maxUpcomingPerCustomer) return fail('RULE_VIOLATION', `at most ${this.rules.testDrives.maxUpcomingPerCustomer} upcoming test drives per customer`, 'max_upcoming');
      const id = `td_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      await manager.getRepository(TestDriveEntity).insert({ id, customerId: this.context.customerId, vin: args.vin, location: vehicle.location, slot: args.slot, status: 'scheduled', createdAt: this.context.now });
      return { ok: true, testDrive: { id, vin: args.vin, vehicle: describeVehicle(vehicle), slot: args.slot, location: vehicle.location } };
    });
  }

  async listTestDrives() {
    const rows = (await preparedQuery(this.dataSource,
      `SELECT t.id, t.vin, t.slot, t.location, v.year, v.make, v.model, v.trim, v.status FROM agents.test_drives t JOIN agents.vehicles v ON v.vin = t.vin
        WHERE t.customer_id = $1 AND t.status = 'scheduled' AND t.slot > $2 ORDER BY t.slot`,
      [this.context.customerId, this.localNow.toISOString().slice(0, 16)],
    )) as Array<VehicleEntity & { id: string; slot: string }>;
    // A drive booked before its vehicle was sold is still the customer's, and says what became of the car.
    return { ok: true, testDrives: rows.map((row) => ({ id: row.id, vin: row.vin, vehicle: describeVehicle(row), slot: row.slot, location: row.location, sold: row.status === 'sold' })) };
  }

  async cancelTestDrive(args: Args<'cancelTestDrive'>) {
    const [drive] = (await preparedQuery(this.dataSource, `UPDATE agents.test_drives SET status = 'cancelled' WHERE id = $1 AND customer_id = $2 AND status = 'scheduled' RETURNING id, slot`, [
      args.testDriveId,
      this.context.customerId,
    ])) as Array<{ id: string; slot: string }>;
    if (!drive) return fail('NOT_FOUND', `no upcoming test drive ${args.testDriveId} for this customer`);
    return { ok: true, cancelled: { id: drive.id, slot: drive.slot } };
  }

  async customerProfile() {
    const customer = await this.customer(this.dataSource.manager);
    if (!customer) return { ok: true, customer: { name: null, licenceOnFile: false, creditTier: null, known: false } };
    return { ok: true, customer: { name: customer.name, licenceOnFile: customer.licenceOnFile, creditTier: customer.creditTier, known: true } };
  }

  async estimateFinancing(args: Args<'estimateFinancing'>) {
    let price = args.price;
    if (args.vin) {
      const vehicle = onSale(await this.vehicle(args.vin), args.vin);
      if (isToolError(vehicle)) return vehicle;
      price = vehicle.price;
    }
    const tier = args.creditTier ?? (await this.customer(this.dataSource.manager))?.creditTier;
    if (!tier || !(CREDIT_TIERS as readonly string[]).includes(tier)) return fail('CREDIT_TIER_REQUIRED', 'no credit tier on file; ask the customer for their credit (excellent, good, fair or poor)');
    const terms = this.rules.financing.tiers[tier as (typeof CREDIT_TIERS)[number]];
    const termMonths = args.termMonths ?? 60;
    const apr = terms.aprByTerm[termMonths];
    if (apr === undefined) return fail('RULE_VIOLATION', `a ${termMonths}-month term is not offered to ${tier} credit (offered: ${Object.keys(terms.aprByTerm).join(', ')} months)`, 'term');
    const minDown = Math.ceil((price ?? 0) * terms.minDownShare);
    const downPayment = args.downPayment ?? minDown;
    if (downPayment < minDown) return fail('RULE_VIOLATION', `${tier} credit needs at least $${minDown} down (${Math.round(terms.minDownShare * 100)}% of $${price})`, 'min_down_payment');
    const amountFinanced = (price ?? 0) - downPayment;
    if (amountFinanced < this.rules.financing.minAmountFinanced) return fail('RULE_VIOLATION', `at least $${this.rules.financing.minAmountFinanced} must be financed`, 'min_amount_financed');
    const payment = monthlyPayment(amountFinanced, apr, termMonths);
    return { ok: true, price, downPayment, amountFinanced, termMonths, creditTier: tier, apr, monthlyPayment: roundCents(payment), totalCost: roundCents(payment * termMonths + downPayment) };
  }

  async appraiseTradeIn(args: Args<'appraiseTradeIn'>) {
    const rules = this.rules.tradeIn;
    const age = Math.max(0, this.localNow.getUTCFullYear() - args.year);
    const tooOld = tradeInAgeViolation(this.rules, args.year, this.localNow.getUTCFullYear());
    if (tooOld) return fail('RULE_VIOLATION', tooOld, 'trade_in_age');
    const condition = args.condition ?? 'good';
    const base = referencePrice(args.make, args.model);
    const value = Math.max(500, base * (1 - rules.annualDepreciation) ** age * rules.conditionFactor[condition] - args.mileage * rules.perMileDeduction);
    const round = (amount: number) => Math.round(amount / 50) * 50;
    return { ok: true, offer: { low: round(value * (1 - rules.offerSpread)), high: round(value * (1 + rules.offerSpread)) }, basis: { make: args.make, model: args.model, year: args.year, mileage: args.mileage, condition } };
  }

  async reserveVehicle(args: Args<'reserveVehicle'>) {
    const deposit = args.deposit ?? this.rules.reservations.minDeposit;
    return this.dataSource.transaction(async (manager) => {
      const vehicle = onSale(await manager.getRepository(VehicleEntity).findOne({ where: { vin: args.vin }, lock: { mode: 'pessimistic_write' } }), args.vin);
      if (isToolError(vehicle)) return vehicle;
      if ((await this.reservedVins(manager, [vehicle.vin])).size) return fail('ALREADY_RESERVED', `the ${describeVehicle(vehicle)} is already reserved`);
      const [{ active }] = (await preparedQuery(manager, `SELECT count(*)::int AS active FROM agents.reservations WHERE customer_id = $1 AND status = 'active' AND expires_at > $2`, [this.context.customerId, this.context.now])) as [{ active: number }];
      if (active >= this.rules.reservations.maxActivePerCustomer) return fail('RULE_VIOLATION', `at most ${this.rules.reservations.maxActivePerCustomer} active reservation per customer`, 'max_reservations');
      const id = `res_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
      const expiresAt = new Date(this.context.now.getTime() + this.rules.reservations.holdHours * 3_600_000);
      await manager.getRepository(ReservationEntity).insert({ id, customerId: this.context.customerId, vin: vehicle.vin, deposit, status: 'active', createdAt: this.context.now, expiresAt });
      return { ok: true, reservation: { id, vin: vehicle.vin, vehicle: describeVehicle(vehicle), deposit, expiresAt: localTime(this.rules, expiresAt).toISOString().slice(0, 16) } };
    });
  }

  async dealershipInfo(args: Args<'dealershipInfo'>) {
    const lots = args.location ? LOTS.filter((entry) => entry.id === args.location) : LOTS;
    return { ok: true, locations: lots.map((entry) => ({ ...entry, hours: this.rules.hours })) };
  }

  async handOffToHuman(args: Args<'handOffToHuman'>) {
    return { ok: true, ticket: `ho_${randomUUID().replaceAll('-', '').slice(0, 10)}`, reason: args.reason };
  }
}
