import { describe, expect, it } from 'vitest';
import { readReply } from './reply-reading.js';

// Replies worded the way the agents' reference Explainer words them.
const LISTING =
  'I found 8 matching vehicles; here are 2: 1) 2020 Toyota Corolla Sport (hybrid, gray, 87,210 mi) for $11,800 at Northside, VIN WDLTV49CXLJPAVLCB; ' +
  '2) 2019 Honda Odyssey Limited (plug-in hybrid, white, 79,040 mi, currently reserved) for $21,200 at Northside, VIN Z8DBKUS74K7XF665B.';
const HOURS =
  'Downtown: 120 Main Street, +1 555 0100; Northside: 4800 North Avenue, +1 555 0140; Airport: 9 Terminal Road, +1 555 0180. Opening hours: mon 09:00-19:00, tue 09:00-19:00, wed 09:00-19:00, thu 09:00-19:00, fri 09:00-19:00, sat 10:00-16:00; closed on other days.';

describe('readReply', () => {
  it('reads a listing: positions, names, fuels, prices, VINs and reservations', () => {
    const reading = readReply(LISTING);
    expect(reading.listed).toEqual([
      { position: 1, year: 2020, name: 'Toyota Corolla Sport', fuel: 'hybrid', price: 11_800, vin: 'WDLTV49CXLJPAVLCB', reserved: false },
      { position: 2, year: 2019, name: 'Honda Odyssey Limited', fuel: 'plug-in hybrid', price: 21_200, vin: 'Z8DBKUS74K7XF665B', reserved: true },
    ]);
    expect(reading.vins).toEqual(['WDLTV49CXLJPAVLCB', 'Z8DBKUS74K7XF665B']);
    expect({ noMatches: reading.noMatches, details: reading.details, ended: reading.ended }).toEqual({ noMatches: false, details: false, ended: false });
  });

  it('reads what went through', () => {
    expect(readReply("You're booked for a test drive of the 2020 Toyota Corolla on Saturday Nov 28 at 11:00 at our Downtown lot (confirmation td_1a2b3c4d5e).").booked).toEqual({ confirmation: 'td_1a2b3c4d5e' });
    expect(readReply('Here are the details: 2020 Toyota Corolla Sport (hybrid, gray, 87,210 mi) for $11,800 at Northside, VIN WDLTV49CXLJPAVLCB. Features: sunroof.').details).toBe(true);
    expect(readReply('With $3,000 down on $17,200 over 60 months at 9.9% APR (fair credit), the payment would be about $301.5 a month, $21,090 in total; this is an estimate, not a credit decision.').payment).toBe(true);
    expect(readReply('For your 2015 Honda Civic with 120,000 miles in fair condition we could offer between $6,000 and $7,400, subject to an inspection.').offer).toBe(true);
    const reserved = readReply('The 2020 Toyota RAV4 (VIN 62GS535DXL79S800S) is reserved for you with a $500 deposit until Saturday Nov 28 at 18:00 (reservation res_1).');
    expect({ reserved: reserved.reserved, alreadyReserved: reserved.alreadyReserved }).toEqual({ reserved: true, alreadyReserved: false });
    expect(readReply('Your test drive on Saturday Nov 28 at 11:00 is cancelled (td_1a2b3c4d5e).').cancelled).toBe(true);
    expect(readReply('Your upcoming test drives are: the 2020 Kia Soul on Monday Nov 30 at 10:00 at Downtown (td_aaa111); the 2021 Ford F-150 on Tuesday Dec 1 at 14:00 at Airport (td_bbb222).').upcomingDrives).toEqual(['td_aaa111', 'td_bbb222']);
    expect(readReply(HOURS).hours).toBe(true);
    expect(readReply("I've asked a member of our sales team to contact you (ticket hand_1).").handedOff).toBe(true);
    expect(readReply('Thanks for chatting with us. Have a great day!', true)).toMatchObject({ goodbye: true, ended: true });
  });

  it('reads the times offered instead of a taken slot', () => {
    const taken = readReply('Sorry, that slot is already taken. Free times that day: 09:00, 14:00, 16:00.');
    expect({ freeTimes: taken.freeTimes, failure: taken.failure }).toEqual({ freeTimes: ['09:00', '14:00', '16:00'], failure: 'that slot is already taken' });
    expect(readReply('On Saturday Nov 28 the vehicle is free at 10:00, 11:00; which time suits you?').freeTimes).toEqual(['10:00', '11:00']);
    expect(readReply("I couldn't complete the test drive booking: slot taken. There are no free times left that day.").noFreeTimes).toBe(true);
  });

  it('reads the rule limits a failure names', () => {
    expect(readReply("I couldn't complete the reservation: the deposit must be at least $1000.").limits).toEqual({ minDeposit: 1_000 });
    expect(readReply("I couldn't complete the test drive booking: test drives must be booked at least 48 hours ahead; 2026-11-25T10:00 is too soon.").limits).toEqual({ leadHours: 48 });
    expect(readReply("I couldn't complete the test drive booking: test drives can be booked at most 14 days ahead; 2027-01-05T10:00 is too far out.").limits).toEqual({ horizonDays: 14 });
    expect(readReply("I couldn't complete the test drive booking: the dealership is closed on sat (2026-11-28).").limits).toEqual({ closedDay: 'sat' });
    expect(readReply("I couldn't complete the trade-in appraisal: vehicles older than 8 years are not taken in trade.").limits).toEqual({ maxAgeYears: 8 });
    expect(readReply("I couldn't complete the financing estimate: a 72-month term is not offered to poor credit (offered: 24, 36, 48, 60 months).").limits).toEqual({ termNotOffered: true });
    expect(readReply("I couldn't complete the test drive booking: a driving licence must be on file before a test drive.").limits).toEqual({ licence: true });
    expect(readReply("I couldn't complete the test drive booking: at most 2 upcoming test drives per customer.").limits).toEqual({ maxUpcoming: true });
  });

  it('names no closed day for an opening-hours reply', () => {
    // "closed on other days" is not a rule limit: a customer asking for hours and a test drive at once must not read one.
    expect(readReply(HOURS).limits).toEqual({});
  });

  it('reads what the agents ask for, and the other flags', () => {
    expect(readReply('To estimate payments I need to know your credit: excellent, good, fair or poor?').needsCreditTier).toBe(true);
    expect(readReply('I found 3 matching vehicles. Could you tell me which vehicle and which day?').asks).toBe('which vehicle and which day');
    expect(readReply("Sorry, I didn't quite catch that. Are you looking for a vehicle, a test drive, financing, a trade-in or our opening hours?").clarify).toBe(true);
    expect(readReply('I can only help with our vehicles and dealership services: finding a car, test drives, financing, trade-ins and reservations.').outOfScope).toBe(true);
    expect(readReply("I couldn't find any vehicles matching that right now; would you like to widen the search?").noMatches).toBe(true);
    expect(readReply('The 2020 Kia Soul (VIN 62GS535DXL79S800S) has been sold.').sold).toBe(true);
  });
});
