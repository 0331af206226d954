import { describe, expect, it } from 'vitest';
import { scoreCall } from './score-call.js';
import { fixtureRow } from './testing/fixture-rows.js';
import { entityF1, scoreUnderstanding } from './understander-metrics.js';

const understanding = (intents: string[], entities: Record<string, unknown>) => JSON.stringify({ intents, entities, state: {}, outOfScope: false });

describe('the Understander metrics', () => {
  it('give full marks to a copy of the teacher', async () => {
    const row = fixtureRow('understander', 'booking');
    expect(await scoreCall(row, row.output)).toEqual({ id: row.id, agent: 'understander', turnId: row.turnId, metrics: { parsed: 1, intent_accuracy: 1, entity_f1: 1 }, problems: [] });
  });

  it('read the output as the pipeline does: intents as a set, values normalised, text around the JSON tolerated', () => {
    const reference = understanding(['search_inventory', 'estimate_financing'], { body: 'suv', maxPrice: 35000 });
    const candidate = `Sure: ${understanding(['estimate_financing', 'search_inventory'], { body: 'SUV', maxPrice: '35000' })}`;
    expect(scoreUnderstanding(reference, candidate)).toEqual({ metrics: { parsed: 1, intent_accuracy: 1, entity_f1: 1 }, problems: [] });
  });

  it('score wrong intents 0 and say which', () => {
    const scores = scoreUnderstanding(understanding(['schedule_test_drive'], {}), understanding(['search_inventory'], {}));
    expect(scores.metrics).toEqual({ parsed: 1, intent_accuracy: 0, entity_f1: 1 });
    expect(scores.problems).toEqual(['intents: expected ["schedule_test_drive"], got ["search_inventory"]']);
  });

  it('give partial entities the F1 worked by hand: 2 right of 3 expected and 4 stated is 2·2/(3+4) = 4/7', async () => {
    const row = fixtureRow('understander', 'booking');
    // Reference: date 2026-12-12, slot 2026-12-12T12:00, vin UPSHV1JF0KGNKUK9J. Right: date, vin; wrong: slot; extra: make.
    const candidate = understanding(['schedule_test_drive'], { date: '2026-12-12', slot: '2026-12-12T14:00', vin: 'UPSHV1JF0KGNKUK9J', make: 'Toyota' });
    const score = await scoreCall(row, candidate);
    expect(score.metrics.entity_f1).toBeCloseTo(4 / 7, 12);
    expect(score.metrics.intent_accuracy).toBe(1);
    expect(score.problems).toEqual(['entities missed or wrong: slot="2026-12-12T12:00"', 'entities not in the reference: slot="2026-12-12T14:00", make="Toyota"']);
  });

  it('count a null entity as not stated, and none on either side as a perfect match', () => {
    expect(entityF1({ make: 'Kia', model: null }, { make: 'kia' }).f1).toBe(1);
    expect(entityF1({}, {}).f1).toBe(1);
    expect(entityF1({ make: 'Kia' }, {}).f1).toBe(0);
  });

  it('score an output that is not an Understanding 0 on every metric', () => {
    const scores = scoreUnderstanding(understanding(['greeting'], {}), '{"intent": "greeting"}');
    expect(scores.metrics).toEqual({ parsed: 0, intent_accuracy: 0, entity_f1: 0 });
    expect(scores.problems[0]).toMatch(/not an Understanding/);
  });
});
