import { issueLines } from '@distillery/service-kit';
import { safeText } from '@distillery/contracts';
import { z } from 'zod';
import { InvalidStressRunError } from './invalid-stress-run.error.js';
import { STRESS_TURNS } from './stress-scenario-generator.js';

/** The stress set's own seed, as `distillery stress` defaults it: its personas are drawn at indices no training campaign reaches. */
export const DEFAULT_STRESS_SEED = 9001;
/** A deploy gate's measure: a dozen scenarios keep a whole run within minutes on the student. */
export const DEFAULT_STRESS_RUN_SCENARIOS = 12;
export const MAX_STRESS_RUN_SCENARIOS = 120;
export const MAX_STRESS_RUN_CONCURRENCY = 16;
const MAX_MODEL_LENGTH = 256;

/**
 * A stress run as asked for (POST /stress-runs): the model version the agents' sessions
 * are pinned to (`serving_model`; absent: whatever the agents serve), how many scenarios of how
 * many turns, from which seed, how many played at once. Parsing fills every default.
 */
export const stressRunRequestSchema = z.strictObject({
  model: safeText(MAX_MODEL_LENGTH).min(1, 'expected 1 to 256 characters').optional(),
  scenarios: z.number().int('expected an integer').min(1, `expected 1 to ${MAX_STRESS_RUN_SCENARIOS}`).max(MAX_STRESS_RUN_SCENARIOS, `expected 1 to ${MAX_STRESS_RUN_SCENARIOS}`).default(DEFAULT_STRESS_RUN_SCENARIOS),
  turns: z.number().int('expected an integer').min(1, `expected 1 to ${STRESS_TURNS}`).max(STRESS_TURNS, `expected 1 to ${STRESS_TURNS}`).default(STRESS_TURNS),
  seed: z.number().int('expected an integer').min(0, 'expected an integer ≥ 0').max(2 ** 31 - 1, 'expected at most 2^31-1').default(DEFAULT_STRESS_SEED),
  concurrency: z.number().int('expected an integer').min(1, `expected 1 to ${MAX_STRESS_RUN_CONCURRENCY}`).max(MAX_STRESS_RUN_CONCURRENCY, `expected 1 to ${MAX_STRESS_RUN_CONCURRENCY}`).default(4),
});

export type StressRunRequest = z.output<typeof stressRunRequestSchema>;

/** Validates a stress run request and fills its defaults; InvalidStressRunError names each bad field (`body.scenarios: expected 1 to 120`). */
export function parseStressRunRequest(body: unknown): StressRunRequest {
  const parsed = stressRunRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw new InvalidStressRunError(issueLines(parsed.error.issues, 'body'), parsed.error.issues.length);
  return parsed.data;
}
