import type { Database } from '@distillery/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDealershipMemoryDatabase } from '../dealership-memory-database.js';
import { InvalidBusinessChangeError } from '../admin/invalid-business-change.error.js';
import { validatePlan } from '../plans/plan-validator.js';
import { DealershipBusinessChanges } from './dealership-business-changes.js';
import { seedDealership } from './dealership-seed.js';
import { DealershipToolbox } from './dealership-toolbox.js';
import { VehicleEntity } from './dealership.entities.js';

const CONTEXT = { tenant: 't', customerId: 'cust_0001', now: new Date('2026-11-24T10:00:00Z') };

describe('business changes of the dealership', () => {
  let db: Database;
  let changes: DealershipBusinessChanges;
  let toolbox: DealershipToolbox;
  let vin: string;

  beforeAll(async () => {
    db = await openDealershipMemoryDatabase();
    await seedDealership(db.dataSource, { seed: 7 });
    changes = new DealershipBusinessChanges(db.dataSource);
    toolbox = await DealershipToolbox.open(db.dataSource);
    vin = (await db.dataSource.getRepository(VehicleEntity).findOneByOrFail({ status: 'available' })).vin;
  });
  afterAll(() => db.close());

  it('sells a vehicle and puts it back on sale, saying what it was before', async () => {
    expect(await changes.apply({ kind: 'vehicle-status', vin, sold: true })).toMatchObject({ previousVehicleStatus: 'available' });
    expect(await toolbox.bind(CONTEXT).getVehicle!({ vin })).toMatchObject({ ok: true, vehicle: { status: 'sold' } });
    expect(await changes.apply({ kind: 'vehicle-status', vin, sold: true })).toMatchObject({ previousVehicleStatus: 'sold' });
    expect(await changes.apply({ kind: 'vehicle-status', vin, sold: false })).toMatchObject({ previousVehicleStatus: 'sold' });
    expect(await toolbox.bind(CONTEXT).getVehicle!({ vin })).toMatchObject({ ok: true, vehicle: { status: 'available' } });
    await expect(changes.apply({ kind: 'vehicle-status', vin: 'NOPE', sold: true })).rejects.toMatchObject({ reason: 'not-found' });
  });

  it('patches the rules (validated), bumping the version the toolbox reloads on', async () => {
    const outcome = await changes.apply({ kind: 'rules-patch', patch: { reservations: { minDeposit: 1_000 } } });
    expect(outcome.rulesVersion).toBe(2);
    expect(outcome).toMatchObject({ rules: { reservations: { minDeposit: 1_000, holdHours: 48 } }, previousRules: { reservations: { minDeposit: 500 } } });
    expect(await toolbox.rulesText(CONTEXT)).toContain('at least $1000');
    expect(validatePlan(`return reserveVehicle({ vin: "${vin}", deposit: 600 });`, toolbox.catalog)).toMatchObject({ ok: false });
    await expect(changes.apply({ kind: 'rules-patch', patch: { reservations: { minDeposit: -5 } } })).rejects.toBeInstanceOf(InvalidBusinessChangeError);
    expect((await changes.apply({ kind: 'rules-patch', patch: { reservations: { minDeposit: 500 } } })).rulesVersion).toBe(3);
  });

  it('switches a tool off and on: gone from the prompt, the catalog and the sandbox, then back', async () => {
    await changes.apply({ kind: 'tool-availability', tool: 'appraiseTradeIn', available: false });
    await toolbox.rulesText(CONTEXT);
    expect(toolbox.describe().map((tool) => tool.name)).not.toContain('appraiseTradeIn');
    expect(toolbox.bind(CONTEXT).appraiseTradeIn).toBeUndefined();
    expect(validatePlan('return appraiseTradeIn({ make: "Honda", model: "Civic", year: 2018, mileage: 60000 });', toolbox.catalog)).toMatchObject({ ok: false });
    const back = await changes.apply({ kind: 'tool-availability', tool: 'appraiseTradeIn', available: true });
    expect(back.rules).not.toHaveProperty('unavailableTools');
    await toolbox.rulesText(CONTEXT);
    expect(toolbox.describe().map((tool) => tool.name)).toContain('appraiseTradeIn');
    await expect(changes.apply({ kind: 'tool-availability', tool: 'handOffToHuman', available: false })).rejects.toThrow(/safe fallback/);
    await expect(changes.apply({ kind: 'tool-availability', tool: 'teleport', available: true })).rejects.toMatchObject({ reason: 'not-found' });
  });
});
