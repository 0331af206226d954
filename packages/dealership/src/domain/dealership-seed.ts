import type { DataSource } from 'typeorm';
import { CREDIT_TIERS, DEFAULT_RULES, type DealershipRules } from './dealership-rules.js';
import { CustomerEntity, DealershipEntity, VehicleEntity } from './dealership.entities.js';
import { COLOURS, FEATURES, LOTS, MODELS, TRIMS } from './vehicle-catalog.js';

/** mulberry32: a small, fast, seeded generator; the same seed gives the same dealership everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const VIN_CHARS = [...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'];
const VIN_VALUES: Record<string, number> = Object.fromEntries(
  [...'ABCDEFGH'].map((c, i) => [c, i + 1]).concat([...'JKLMN'].map((c, i) => [c, i + 1]), [['P', 7], ['R', 9]], [...'STUVWXYZ'].map((c, i) => [c, i + 2]), [...'0123456789'].map((c) => [c, Number(c)])),
);
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const MODEL_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

/** The ISO 3779 check digit (position 9) of a 17-character VIN. */
export function vinCheckDigit(vin: string): string {
  const sum = [...vin].reduce((total, char, index) => total + VIN_VALUES[char]! * VIN_WEIGHTS[index]!, 0);
  const digit = sum % 11;
  return digit === 10 ? 'X' : String(digit);
}

function makeVin(random: () => number, year: number): string {
  const chars = Array.from({ length: 17 }, () => pick(random, VIN_CHARS));
  chars[9] = MODEL_YEAR_CODES[(year - 2010) % 30]!;
  chars[8] = '0';
  chars[8] = vinCheckDigit(chars.join(''));
  return chars.join('');
}

/** The inventory of a seed: `count` vehicles, prices from catalog price, trim, age and mileage. */
export function generateVehicles(seed: number, count: number, currentYear = 2026): VehicleEntity[] {
  const random = seededRandom(seed);
  const vins = new Set<string>();
  const vehicles: VehicleEntity[] = [];
  while (vehicles.length < count) {
    const spec = pick(random, MODELS);
    const trim = pick(random, TRIMS);
    const age = Math.floor(random() ** 2 * 8);
    const year = currentYear - age;
    const mileage = age === 0 ? Math.floor(random() * 60) : Math.round((age * 11_000 + (random() - 0.5) * age * 8_000) / 10) * 10;
    const value = spec.basePrice * trim.factor * 0.9 ** age * (1 - Math.min(0.2, mileage / 1_000_000));
    const vin = makeVin(random, year);
    if (vins.has(vin)) continue;
    vins.add(vin);
    const features = FEATURES.filter((feature) => (feature === 'third row' ? spec.body === 'minivan' || spec.basePrice > 37_000 && spec.body === 'suv' : random() < 0.35));
    vehicles.push(
      Object.assign(new VehicleEntity(), {
        vin,
        make: spec.make,
        model: spec.model,
        year,
        trim: trim.name,
        body: spec.body,
        fuel: pick(random, spec.fuels),
        price: Math.round(value / 100) * 100,
        mileage,
        colour: pick(random, COLOURS),
        features,
        location: pick(random, LOTS).id,
        status: random() < 0.04 ? 'sold' : 'available',
      } satisfies VehicleEntity),
    );
  }
  return vehicles;
}

const FIRST_NAMES = ['Ava', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Farid', 'Grace', 'Hiro', 'Isla', 'Jamal', 'Kira', 'Liam', 'Maya', 'Noah', 'Olga', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq'];
const LAST_NAMES = ['Adams', 'Brooks', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jones', 'Khan', 'Lopez', 'Moreau', 'Nguyen', 'Okafor', 'Patel'];

/** The customers of a seed: `cust_0001` …; most have a licence and a credit tier on file. */
export function generateCustomers(seed: number, count: number): CustomerEntity[] {
  const random = seededRandom(seed ^ 0x5eed);
  return Array.from({ length: count }, (_, index) => {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const roll = random();
    return Object.assign(new CustomerEntity(), {
      id: `cust_${String(index + 1).padStart(4, '0')}`,
      name: `${first} ${last}`,
      email: `${first}.${last}${index + 1}@example.com`.toLowerCase(),
      licenceOnFile: random() < 0.8,
      creditTier: roll < 0.1 ? null : CREDIT_TIERS[Math.min(3, Math.floor(((roll - 0.1) / 0.9) * 4))]!,
    } satisfies CustomerEntity);
  });
}

export interface SeedOptions {
  readonly seed: number;
  readonly vehicles?: number;
  readonly customers?: number;
  readonly rules?: DealershipRules;
}

export const DEFAULT_VEHICLE_COUNT = 320;
export const DEFAULT_CUSTOMER_COUNT = 200;

/**
 * Fills an empty dealership from a seed, in one transaction. An existing dealership is kept as it
 * is (its bookings are real state); the seed it was made from is returned either way.
 */
export async function seedDealership(dataSource: DataSource, options: SeedOptions): Promise<{ seed: number; created: boolean }> {
  return dataSource.transaction(async (manager) => {
    const existing = await manager.getRepository(DealershipEntity).findOneBy({ id: 1 });
    if (existing) return { seed: existing.seed, created: false };
    const vehicles = generateVehicles(options.seed, options.vehicles ?? DEFAULT_VEHICLE_COUNT);
    for (let start = 0; start < vehicles.length; start += 200) await manager.getRepository(VehicleEntity).insert(vehicles.slice(start, start + 200));
    await manager.getRepository(CustomerEntity).insert(generateCustomers(options.seed, options.customers ?? DEFAULT_CUSTOMER_COUNT));
    await manager.getRepository(DealershipEntity).insert({ id: 1, seed: options.seed, rules: options.rules ?? DEFAULT_RULES, rulesVersion: 1 });
    return { seed: options.seed, created: true };
  });
}
