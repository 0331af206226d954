import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** The main job's own settings (`./distillery run`), checked before anything starts. */
export const runConfigSchema = z.object({
  /** Simulated conversations in the run's campaign. */
  DISTILLERY_RUN_CONVERSATIONS: env.int(1, 60),
  /** Conversations of the held-out-phrasing campaign played first (wordings and personas no training campaign uses): the curator's eval-heldout, on which the trainer measures generalisation; 0 plays none. */
  DISTILLERY_RUN_HELDOUT_CONVERSATIONS: env.int(0, 8),
  /** The campaign's seed: the same seed plays the same customers. */
  DISTILLERY_RUN_SEED: env.int(0, 7),
  /** Optimizer steps a training stage; 0 trains nothing. */
  DISTILLERY_RUN_TRAIN_STEPS: env.int(0, 5),
  /** Optimizer steps of the EAGLE drafter trained for the student (on a few prompts: a short run); 0 trains none. */
  DISTILLERY_RUN_DRAFTER_STEPS: env.int(0, 60),
  /** Calibration texts a set and length the quantizer's FP8 job observes on the student (and again with its drafter); 0 quantizes nothing. */
  DISTILLERY_RUN_QUANTIZE_SAMPLES: env.int(0, 1),
  /** The calibration length (tokens) whose scales the FP8 student is served with: one of the curator's buckets, 32 … 2048. */
  DISTILLERY_RUN_QUANTIZE_LENGTH: env.int(1, 256),
  /** Held-out rows the FP8 job decodes BF16 against FP8 (exact match, greedy agreement, the drafters' acceptance) and measures clip rates on. */
  DISTILLERY_RUN_QUANTIZE_EVAL_ROWS: env.int(1, 2),
  /** Held-out conversations replayed through the agents on the served student after training; 0 replays none. */
  DISTILLERY_RUN_REPLAY_CONVERSATIONS: env.int(0, 3),
  /** Stress scenarios the deploy gate plays through the agents on the student and on the base (its E2E pass rate); 0: the gate decides on agent metrics alone. */
  DISTILLERY_RUN_GATE_E2E_SCENARIOS: env.int(0, 1),
  /** Turns each of those scenarios plays, of its ten. */
  DISTILLERY_RUN_GATE_E2E_TURNS: env.intBetween(1, 10, 4),
});

export type RunConfig = z.infer<typeof runConfigSchema>;

/** Throws ConfigError naming each bad variable and what it expected. */
export function loadRunConfig(environment: Readonly<Record<string, string | undefined>>): RunConfig {
  return loadConfig(runConfigSchema, environment);
}
