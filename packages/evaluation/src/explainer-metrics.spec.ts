import { describe, expect, it } from 'vitest';
import { readRowPrompt } from './call-prompt.js';
import { scoreExplanation } from './explainer-metrics.js';
import { replyFacts, unsupportedFacts } from './reply-facts.js';
import { scoreCall } from './score-call.js';
import { fixtureRow } from './testing/fixture-rows.js';

const explain = (turn: 'search' | 'booking' | 'info', candidate: string) => {
  const row = fixtureRow('explainer', turn);
  return scoreExplanation(row.output, candidate, readRowPrompt(row.agent, row.prompt));
};

describe('the Explainer metrics', () => {
  it('give full marks to a copy of the teacher', async () => {
    for (const turn of ['search', 'booking', 'info'] as const) {
      const row = fixtureRow('explainer', turn);
      expect(await scoreCall(row, row.output)).toMatchObject({ metrics: { faithful: 1, complete: 1 }, problems: [] });
    }
  });

  it('find an invented vehicle and its price unfaithful, naming both', () => {
    const row = fixtureRow('explainer', 'search');
    const scores = explain('search', `${row.output} We also have a 2025 Toyota Supra GR for $52,900 that would suit you.`);
    expect(scores.metrics).toEqual({ faithful: 0, complete: 1 });
    expect(scores.problems).toEqual([
      'states the price "$52,900", which the tool results do not contain',
      'states the vehicle "2025 Toyota Supra", which the tool results do not contain',
    ]);
  });

  it('find a VIN, a booking id, a time or a phone number the results do not hold unfaithful', () => {
    const invented = (turn: 'search' | 'booking' | 'info', reply: string) => {
      const scores = explain(turn, reply);
      expect(scores.metrics.faithful).toBe(0);
      return scores.problems.filter((problem) => problem.startsWith('states'));
    };
    expect(invented('search', 'The 2019 Toyota Corolla for $9,800 has VIN UPSHV1JF0KGNKUK9X.')).toEqual(['states the vin "UPSHV1JF0KGNKUK9X", which the tool results do not contain']);
    expect(invented('booking', "You're booked on Saturday Dec 12 at 12:00 (confirmation td_0000000000).")).toEqual(['states the reference "td_0000000000", which the tool results do not contain']);
    expect(invented('booking', "You're booked on Saturday Dec 12 at 3pm.")).toEqual(['states the time "3pm", which the tool results do not contain']);
    expect(invented('info', 'Call the Airport lot on +1 555 0199.')).toEqual(['states the phone "+1 555 0199", which the tool results do not contain']);
  });

  it('take a fact the customer stated as echoed, not invented', () => {
    // The customer asked for "sedns below 38k": the results hold no 38,000.
    expect(explain('search', 'Here are sedans below $38k: the 2019 Toyota Corolla for $9,800.').problems.filter((problem) => problem.startsWith('states'))).toEqual([]);
    expect(explain('search', 'Here are sedans below $39k.').problems.filter((problem) => problem.startsWith('states'))).toEqual(['states the price "$39k", which the tool results do not contain']);
  });

  it('find a booking the results do not show unfaithful, and a failure told as a failure faithful', () => {
    expect(explain('search', 'The 2019 Toyota Corolla is $9,800. It is booked for you.')).toMatchObject({
      metrics: { faithful: 0 },
      problems: ['claims "It is booked for you." but the results hold no test-drive booking', expect.stringMatching(/^leaves out/)],
    });
    expect(explain('booking', "You're booked for the 2019 Toyota Corolla on Dec 12 at 12:00 (td_56b72c7a31).").metrics).toEqual({ faithful: 1, complete: 1 });
  });

  it('take facts in any wording the results back: "noon" times as 12pm, a short phone number, dates spelled out', () => {
    expect(explain('booking', 'See you on 12 December at 12pm for the 2019 Toyota Corolla (td_56b72c7a31).').metrics).toEqual({ faithful: 1, complete: 1 });
    expect(explain('info', 'The Airport lot (555 0180) opens 9:00 on weekdays.').metrics.faithful).toBe(1);
  });

  it('score completeness as the share of the reference facts stated: 2 of the booking reply\'s 4', () => {
    // Reference facts: the vehicle 2019 Toyota Corolla, the date Dec 12, the time 12:00 and the id td_56b72c7a31.
    expect(replyFacts(fixtureRow('explainer', 'booking').output).map((fact) => `${fact.kind}:${fact.value}`).sort()).toEqual(['date:12-12', 'reference:td_56b72c7a31', 'time:12:00', 'vehicle:2019 toyota corolla']);
    const scores = explain('booking', "You're booked for Saturday Dec 12 at 12:00.");
    expect(scores.metrics).toEqual({ faithful: 1, complete: 0.5 });
    expect(scores.problems).toEqual(['leaves out 2 of the reference\'s 4 facts: reference "td_56b72c7a31", vehicle "2019 Toyota Corolla"']);
  });

  it('read each fact once: an ISO slot is one date and one time, a VIN is no phone number', () => {
    expect(replyFacts('Booked 2026-12-12T12:00 for VIN 4HA8E10A3LR1BE14Z at $10.5k, 77,410 mi, 6.9% APR.').map((fact) => `${fact.kind}:${fact.value}`)).toEqual([
      'vin:4HA8E10A3LR1BE14Z', 'price:10500', 'mileage:77410', 'percent:6.9', 'date:12-12', 'time:12:00',
    ]);
    expect(unsupportedFacts('Nothing to report.', {})).toEqual([]);
  });
});
