import { readFileSync } from 'node:fs';
import { type EvalRow, readEvalRows } from '../eval-row.js';

/**
 * Nine held-out rows copied from a real run's `eval.jsonl` (compact prompts): three turns of one
 * conversation's understander, planner and explainer calls — a sedan search, a test-drive booking
 * of the first car listed, and the airport lot's address and hours.
 */
export const FIXTURE_TURNS = {
  search: 'turn_979123ba-8315-4feb-a81c-0f4139bcdfb2',
  booking: 'turn_74ea0868-7941-4c4a-8588-5a18a9296dd0',
  info: 'turn_1b24f85a-96bd-40b2-934c-be82d99660b5',
} as const;

export type FixtureTurn = keyof typeof FIXTURE_TURNS;

const path = new URL('../../../src/testing/eval-rows.jsonl', import.meta.url);

export function fixtureRows(): EvalRow[] {
  return readEvalRows(readFileSync(path, 'utf8'));
}

/** The fixture row of an agent in one of the three turns. */
export function fixtureRow(agent: string, turn: FixtureTurn): EvalRow {
  const row = fixtureRows().find((candidate) => candidate.agent === agent && candidate.turnId === FIXTURE_TURNS[turn]);
  if (!row) throw new Error(`the fixture has no ${agent} row in the ${turn} turn`);
  return row;
}
