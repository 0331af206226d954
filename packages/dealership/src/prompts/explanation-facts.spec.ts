import { describe, expect, it } from 'vitest';
import { unsupportedClaims, unsupportedStatements } from './explanation-facts.js';

const vehicle = { vin: 'YCDTTUXP8K9DFM576', year: 2019, make: 'Ford', model: 'Mustang Mach-E', trim: 'Limited', price: 23_700, mileage: 77_250 };
const search = { intents: ['search_inventory'], search: { ok: true, total: 1, vehicles: [vehicle] } };
const booking = { intents: ['schedule_test_drive'], booking: { ok: true, testDrive: { id: 'td_0123456789', vin: vehicle.vin, vehicle: '2019 Ford Mustang Mach-E Limited', slot: '2026-11-27T10:00', location: 'downtown' } } };
const taken = { intents: ['schedule_test_drive'], booking: { ok: false, error: { code: 'SLOT_TAKEN', message: 'the 2019 Ford Mustang Mach-E is already booked at 10:00' } } };

describe('unsupportedStatements', () => {
  it('finds nothing in a faithful explanation, worded freely', () => {
    expect(unsupportedStatements('Good news: the 2019 Ford Mustang Mach-E Limited (VIN YCDTTUXP8K9DFM576) is $23,700 with 77,250 miles.', search)).toEqual([]);
    expect(unsupportedStatements("You're booked: 2019 Ford Mustang Mach-E Limited, Friday at 10:00 (confirmation td_0123456789). All set!", booking)).toEqual([]);
    expect(unsupportedStatements('Sorry, the 2019 Ford Mustang Mach-E is already booked at 10:00.', taken)).toEqual([]);
    expect(unsupportedStatements('It comes to about $23,700.00, or roughly $23,700.', search)).toEqual([]);
  });

  it('names an invented vehicle, a wrong price, an unknown VIN or confirmation', () => {
    expect(unsupportedStatements('We also have a 2025 Toyota Supra GR for $52,900.', search)).toEqual([
      'states $52,900, an amount the results do not contain',
      'mentions a 2025 Toyota Supra GR, a vehicle the results do not contain',
    ]);
    expect(unsupportedStatements('The Mach-E is $18,960.', search)).toEqual(['states $18,960, an amount the results do not contain']);
    expect(unsupportedStatements('See VIN 1HGCM82633A004352, booking td_9999999999.', booking)).toEqual([
      'names VIN 1HGCM82633A004352, which is not in the results',
      'gives the reference td_9999999999, which is not in the results',
    ]);
  });

  it('names a booking or success the results do not show', () => {
    expect(unsupportedStatements('Here it is. Everything is booked and confirmed.', search)).toEqual(['claims "Everything is booked and confirmed." but the results hold no test-drive booking']);
    expect(unsupportedStatements("Sorry, the 2019 Ford Mustang Mach-E is already booked at 10:00. Good news though: it's all confirmed for you.", taken)).toEqual([
      'claims "Good news though: it\'s all confirmed for you." but the results hold no completed action',
    ]);
    expect(unsupportedStatements('', search)).toEqual([]);
  });

  it('gives the claims alone to a reader of the facts', () => {
    expect(unsupportedClaims('We also have a 2025 Toyota Supra GR for $52,900. Everything is booked and confirmed.', search)).toEqual(['claims "Everything is booked and confirmed." but the results hold no test-drive booking']);
    expect(unsupportedClaims('Sorry, the 2019 Ford Mustang Mach-E is already booked at 10:00.', taken)).toEqual([]);
  });
});
