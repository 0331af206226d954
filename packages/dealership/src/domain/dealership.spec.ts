import type { Database } from '@distillery/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePlan } from '../plans/plan-validator.js';
import type { TurnContext } from '../pipeline/toolbox.js';
import { DEFAULT_RULES, monthlyPayment } from './dealership-rules.js';
import { DEFAULT_VEHICLE_COUNT, generateCustomers, generateVehicles, seedDealership, vinCheckDigit } from './dealership-seed.js';
import { DealershipToolbox } from './dealership-toolbox.js';
import { toolCatalog } from './dealership-tools.js';
import { openDealershipMemoryDatabase } from '../dealership-memory-database.js';
import { CustomerEntity, VehicleEntity } from './dealership.entities.js';

/** A tool result: parsed JSON, read freely in assertions. */
type Result = Record<string, ReturnType<typeof JSON.parse>>;
const NOW = new Date('2026-11-24T10:00:00Z'); // a Tuesday

describe('the dealership', () => {
  let db: Database;
  let toolbox: DealershipToolbox;
  let licensed: string;
  let unlicensed: string;
  let available: VehicleEntity[];
  let seeded: { seed: number; created: boolean };

  const tools = (customerId: string, now = NOW) => toolbox.bind({ tenant: 't', customerId, now } satisfies TurnContext);
  const call = async (customerId: string, tool: string, args: Record<string, unknown>, now = NOW) => (await tools(customerId, now)[tool]!(args)) as Result;

  beforeAll(async () => {
    db = await openDealershipMemoryDatabase();
    seeded = await seedDealership(db.dataSource, { seed: 7 });
    toolbox = await DealershipToolbox.open(db.dataSource);
    const customers = await db.dataSource.getRepository(CustomerEntity).find({ order: { id: 'ASC' } });
    licensed = customers.find((customer) => customer.licenceOnFile && customer.creditTier === 'good')!.id;
    unlicensed = customers.find((customer) => !customer.licenceOnFile)!.id;
    available = await db.dataSource.getRepository(VehicleEntity).find({ where: { status: 'available' }, order: { vin: 'ASC' } });
  });
  afterAll(() => db.close());

  describe('seed', () => {
    it('is deterministic per seed, with at least 300 vehicles and valid VINs', () => {
      const vehicles = generateVehicles(7, DEFAULT_VEHICLE_COUNT);
      expect(vehicles.length).toBeGreaterThanOrEqual(300);
      expect(generateVehicles(7, DEFAULT_VEHICLE_COUNT)).toEqual(vehicles);
      expect(generateVehicles(8, DEFAULT_VEHICLE_COUNT)).not.toEqual(vehicles);
      expect(new Set(vehicles.map((vehicle) => vehicle.vin)).size).toBe(vehicles.length);
      for (const vehicle of vehicles) {
        expect(vehicle.vin).toMatch(/^[A-HJ-NPR-Z0-9]{17}$/);
        expect(vehicle.vin[8]).toBe(vinCheckDigit(vehicle.vin));
        expect(vehicle.price).toBeGreaterThan(1_000);
      }
      expect(new Set(vehicles.map((vehicle) => vehicle.body)).size).toBeGreaterThanOrEqual(6);
      expect(generateCustomers(7, 50)).toEqual(generateCustomers(7, 50));
    });

    it('keeps an existing dealership as it is', async () => {
      expect(seeded).toEqual({ seed: 7, created: true });
      expect(await seedDealership(db.dataSource, { seed: 99 })).toEqual({ seed: 7, created: false });
      expect(await db.dataSource.getRepository(VehicleEntity).count()).toBe(DEFAULT_VEHICLE_COUNT);
    });
  });

  it('searches available vehicles by filters, cheapest first, within the limit', async () => {
    const result = await call(licensed, 'searchInventory', { body: 'suv', maxPrice: 30_000, limit: 3 });
    expect(result.ok).toBe(true);
    expect(result.vehicles.length).toBeLessThanOrEqual(3);
    expect(result.total).toBeGreaterThanOrEqual(result.vehicles.length);
    for (const vehicle of result.vehicles) expect(vehicle).toMatchObject({ body: 'suv' });
    const prices: number[] = result.vehicles.map((vehicle: Result) => vehicle.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const sold = await db.dataSource.getRepository(VehicleEntity).findOneByOrFail({ status: 'sold' });
    const all = await call(licensed, 'searchInventory', { make: sold.make, model: sold.model, limit: 10 });
    expect(all.vehicles.map((vehicle: Result) => vehicle.vin)).not.toContain(sold.vin);
  });

  it('answers bad arguments and unknown vehicles with structured errors', async () => {
    expect(await call(licensed, 'searchInventory', { body: 'spaceship' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('body') } });
    expect(await call(licensed, 'getVehicle', { vin: 'NOPE' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('vin') } });
    expect(await call(licensed, 'getVehicle', { vin: '1HGCM82633A004352' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  describe('test drives', () => {
    it('books a slot, refuses it to a second customer and offers the free ones', async () => {
      const vin = available[0]!.vin;
      const booked = await call(licensed, 'scheduleTestDrive', { vin, slot: '2026-11-26T11:00' });
      expect(booked).toMatchObject({ ok: true, testDrive: { vin, slot: '2026-11-26T11:00' } });
      const other = (await db.dataSource.getRepository(CustomerEntity).find()).find((customer) => customer.licenceOnFile && customer.id !== licensed)!.id;
      expect(await call(other, 'scheduleTestDrive', { vin, slot: '2026-11-26T11:00' })).toMatchObject({ ok: false, error: { code: 'SLOT_TAKEN' } });
      const slots = await call(other, 'availableSlots', { vin, date: '2026-11-26' });
      expect(slots.slots).not.toContain('2026-11-26T11:00');
      expect(slots.slots).toContain('2026-11-26T12:00');
      const listed = await call(licensed, 'listTestDrives', {});
      expect(listed.testDrives.map((drive: Result) => drive.id)).toContain(booked.testDrive.id);
      expect(await call(licensed, 'cancelTestDrive', { testDriveId: booked.testDrive.id })).toMatchObject({ ok: true });
      expect(await call(other, 'scheduleTestDrive', { vin, slot: '2026-11-26T11:00' })).toMatchObject({ ok: true });
    });

    it('enforces lead time, horizon, opening hours and the licence', async () => {
      const vin = available[1]!.vin;
      expect(await call(licensed, 'scheduleTestDrive', { vin, slot: '2026-11-24T11:00' })).toMatchObject({ ok: false, error: { rule: 'lead_time' } });
      expect(await call(licensed, 'scheduleTestDrive', { vin, slot: '2026-12-18T11:00' })).toMatchObject({ ok: false, error: { rule: 'horizon' } });
      expect(await call(licensed, 'scheduleTestDrive', { vin, slot: '2026-11-29T11:00' })).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', message: expect.stringContaining('closed on sun') } });
      expect(await call(licensed, 'scheduleTestDrive', { vin, slot: '2026-11-28T16:00' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('outside sat opening hours') } });
      expect(await call(unlicensed, 'scheduleTestDrive', { vin, slot: '2026-11-27T10:00' })).toMatchObject({ ok: false, error: { rule: 'licence' } });
    });

    it('caps test drives per lot per day and upcoming drives per customer', async () => {
      const customers = (await db.dataSource.getRepository(CustomerEntity).find({ order: { id: 'DESC' } })).filter((customer) => customer.licenceOnFile);
      const lot = available.filter((vehicle) => vehicle.location === 'northside');
      for (let hour = 9; hour < 9 + DEFAULT_RULES.testDrives.slotsPerDayPerLocation; hour++) {
        expect(await call(customers[hour]!.id, 'scheduleTestDrive', { vin: lot[hour]!.vin, slot: `2026-12-01T${String(hour).padStart(2, '0')}:00` })).toMatchObject({ ok: true });
      }
      expect(await call(customers[0]!.id, 'scheduleTestDrive', { vin: lot[0]!.vin, slot: '2026-12-01T17:00' })).toMatchObject({ ok: false, error: { rule: 'slots_per_day' } });
      const busy = customers[1]!.id;
      expect(await call(busy, 'scheduleTestDrive', { vin: available[5]!.vin, slot: '2026-12-02T10:00' })).toMatchObject({ ok: true });
      expect(await call(busy, 'scheduleTestDrive', { vin: available[6]!.vin, slot: '2026-12-02T11:00' })).toMatchObject({ ok: true });
      expect(await call(busy, 'scheduleTestDrive', { vin: available[7]!.vin, slot: '2026-12-02T12:00' })).toMatchObject({ ok: false, error: { rule: 'max_upcoming' } });
    });
  });

  describe('financing', () => {
    it('amortises the amount financed at the tier and term APR, with the minimum down payment by default', async () => {
      const vehicle = available.find((candidate) => candidate.price > 15_000)!;
      const result = await call(licensed, 'estimateFinancing', { vin: vehicle.vin, termMonths: 48 });
      const down = Math.ceil(vehicle.price * 0.1);
      expect(result).toMatchObject({ ok: true, creditTier: 'good', apr: 6.59, downPayment: down, amountFinanced: vehicle.price - down });
      expect(result.monthlyPayment).toBeCloseTo(monthlyPayment(vehicle.price - down, 6.59, 48), 2);
      expect(monthlyPayment(10_000, 6, 12)).toBeCloseTo(860.66, 2);
    });

    it('refuses a down payment under the tier minimum, a term the tier lacks, and an unknown tier', async () => {
      const vin = available.find((candidate) => candidate.price > 15_000)!.vin;
      expect(await call(licensed, 'estimateFinancing', { vin, downPayment: 0 })).toMatchObject({ ok: false, error: { rule: 'min_down_payment' } });
      expect(await call(licensed, 'estimateFinancing', { vin, termMonths: 84, creditTier: 'poor' })).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION' } });
      expect(await call('walk-in-customer', 'estimateFinancing', { vin })).toMatchObject({ ok: false, error: { code: 'CREDIT_TIER_REQUIRED' } });
      expect(await call('walk-in-customer', 'estimateFinancing', { price: 30_000, creditTier: 'excellent', termMonths: 36 })).toMatchObject({ ok: true, apr: 4.79 });
    });
  });

  it('appraises trade-ins from age, mileage and condition, and refuses very old cars', async () => {
    const good = await call(licensed, 'appraiseTradeIn', { make: 'Honda', model: 'Civic', year: 2018, mileage: 60_000, condition: 'good' });
    const poor = await call(licensed, 'appraiseTradeIn', { make: 'Honda', model: 'Civic', year: 2018, mileage: 60_000, condition: 'poor' });
    const worn = await call(licensed, 'appraiseTradeIn', { make: 'Honda', model: 'Civic', year: 2018, mileage: 160_000, condition: 'good' });
    expect(good.offer.low).toBeLessThan(good.offer.high);
    expect(poor.offer.high).toBeLessThan(good.offer.high);
    expect(worn.offer.high).toBeLessThan(good.offer.high);
    expect(await call(licensed, 'appraiseTradeIn', { make: 'Ford', model: 'Model T', year: 1990, mileage: 10_000 })).toMatchObject({ ok: false, error: { rule: 'trade_in_age' } });
  });

  it('holds a reserved vehicle for its hold time only, one reservation per customer', async () => {
    const [first, second] = [available[20]!.vin, available[21]!.vin];
    const customers = (await db.dataSource.getRepository(CustomerEntity).find()).map((customer) => customer.id);
    const [alice, bob] = [customers[40]!, customers[41]!];
    expect(await call(alice, 'reserveVehicle', { vin: first, deposit: 1_000 })).toMatchObject({ ok: true, reservation: { deposit: 1_000, expiresAt: '2026-11-26T10:00' } });
    expect(await call(bob, 'reserveVehicle', { vin: first })).toMatchObject({ ok: false, error: { code: 'ALREADY_RESERVED' } });
    expect(await call(alice, 'reserveVehicle', { vin: second })).toMatchObject({ ok: false, error: { rule: 'max_reservations' } });
    expect(await call(bob, 'reserveVehicle', { vin: first, deposit: 100 })).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION', message: expect.stringContaining('at least $500') } });
    expect((await call(bob, 'getVehicle', { vin: first })).vehicle.reserved).toBe(true);
    const later = new Date(NOW.getTime() + 49 * 3_600_000);
    expect((await call(bob, 'getVehicle', { vin: first }, later)).vehicle.reserved).toBe(false);
    expect(await call(bob, 'reserveVehicle', { vin: first }, later)).toMatchObject({ ok: true });
  });

  it('reports a vehicle sold since the last turn from every tool bound to it (issue 11, 9)', async () => {
    const customers = (await db.dataSource.getRepository(CustomerEntity).find({ order: { id: 'ASC' } })).filter((customer) => customer.licenceOnFile && customer.creditTier);
    const buyer = customers[30]!.id;
    const vehicle = available.find((candidate) => candidate.price > 15_000 && candidate.vin !== available[0]!.vin && candidate.vin !== available[1]!.vin)!;
    const booked = await call(buyer, 'scheduleTestDrive', { vin: vehicle.vin, slot: '2026-11-27T15:00' });
    expect(booked).toMatchObject({ ok: true });
    await db.dataSource.getRepository(VehicleEntity).update({ vin: vehicle.vin }, { status: 'sold' });
    try {
      const sold = { ok: false, error: { code: 'VEHICLE_SOLD', message: expect.stringContaining('has been sold') } };
      expect(await call(buyer, 'estimateFinancing', { vin: vehicle.vin, termMonths: 48 })).toMatchObject(sold);
      expect(await call(buyer, 'availableSlots', { vin: vehicle.vin, date: '2026-11-30' })).toMatchObject(sold);
      expect(await call(buyer, 'scheduleTestDrive', { vin: vehicle.vin, slot: '2026-11-30T15:00' })).toMatchObject(sold);
      expect(await call(buyer, 'reserveVehicle', { vin: vehicle.vin })).toMatchObject(sold);
      expect(await call(buyer, 'getVehicle', { vin: vehicle.vin })).toMatchObject({ ok: true, vehicle: { status: 'sold' } });
      // A test drive booked before the sale is listed as what it now is.
      expect((await call(buyer, 'listTestDrives', {})).testDrives).toEqual([expect.objectContaining({ id: booked.testDrive.id, sold: true })]);
      // A price with no vehicle is no vehicle's sale.
      expect(await call(buyer, 'estimateFinancing', { price: vehicle.price, termMonths: 48 })).toMatchObject({ ok: true });
    } finally {
      await db.dataSource.getRepository(VehicleEntity).update({ vin: vehicle.vin }, { status: 'available' });
      await call(buyer, 'cancelTestDrive', { testDriveId: booked.testDrive.id });
    }
  });

  it("checks rule-bound arguments before a plan runs, with the rules in force", async () => {
    const catalog = toolCatalog(DEFAULT_RULES);
    const vin = available[0]!.vin;
    const sunday = validatePlan(`return scheduleTestDrive({ vin: "${vin}", slot: "2026-11-29T10:00" });`, catalog);
    expect(sunday).toMatchObject({ ok: false, violations: [{ code: 'RULE_VIOLATION' }] });
    expect(validatePlan(`return estimateFinancing({ vin: "${vin}", termMonths: 96 });`, catalog)).toMatchObject({ ok: false, violations: [{ code: 'RULE_VIOLATION' }] });
    expect(validatePlan(`return reserveVehicle({ vin: "${vin}", deposit: 50 });`, catalog)).toMatchObject({ ok: false, violations: [{ code: 'RULE_VIOLATION' }] });
    expect(validatePlan(`return scheduleTestDrive({ vin: "${vin}", slot: "2026-11-28T11:00" });`, catalog).ok).toBe(true);
    // The trade-in age too, in dealership-local years at the catalog's clock: sent back before it runs (the E2E stress test's trade_in_age switch).
    const eightYears = toolCatalog({ ...DEFAULT_RULES, tradeIn: { ...DEFAULT_RULES.tradeIn, maxAgeYears: 8 } }, NOW);
    expect(validatePlan('return appraiseTradeIn({ make: "Honda", model: "Civic", year: 2015, mileage: 90000 });', eightYears)).toMatchObject({ ok: false, violations: [{ code: 'RULE_VIOLATION', message: expect.stringContaining('older than 8 years') }] });
    expect(validatePlan('return appraiseTradeIn({ make: "Honda", model: "Civic", year: 2018, mileage: 90000 });', eightYears).ok).toBe(true);
    expect(validatePlan('return appraiseTradeIn({ make: "Honda", model: "Civic", year: 2015, mileage: 90000 });', catalog).ok).toBe(true);

    // A rule changed while the service runs applies from the next turn: no more Saturdays.
    await toolbox.updateRules((rules) => {
      const { sat: _closed, ...weekdays } = rules.hours;
      return { ...rules, hours: weekdays };
    });
    // A turn passes the version it read with its session, and the text follows it; without one the toolbox reads it.
    const [{ version }] = (await db.dataSource.query('SELECT rules_version AS version FROM agents.dealership WHERE id = 1')) as [{ version: number }];
    expect(await toolbox.rulesText({ tenant: 't', customerId: licensed, now: NOW, rulesVersion: version })).toContain('sat closed');
    const text = await toolbox.rulesText({ tenant: 't', customerId: licensed, now: NOW });
    expect(text).toContain('sat closed');
    expect(validatePlan(`return scheduleTestDrive({ vin: "${vin}", slot: "2026-11-28T11:00" });`, toolbox.catalog)).toMatchObject({ ok: false, violations: [{ code: 'RULE_VIOLATION' }] });
    expect(await call(licensed, 'scheduleTestDrive', { vin, slot: '2026-11-28T11:00' })).toMatchObject({ ok: false, error: { code: 'RULE_VIOLATION' } });
  });
});
