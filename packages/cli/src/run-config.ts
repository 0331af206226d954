import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** The main job's own settings (`./distillery run`), checked before anything starts. */
export const runConfigSchema = z.object({
  /** Simulated conversations in the run's campaign. */
  DISTILLERY_RUN_CONVERSATIONS: env.int(1, 60),
  /** The campaign's seed: the same seed plays the same customers. */
  DISTILLERY_RUN_SEED: env.int(0, 7),
  /** Optimizer steps a training stage; 0 trains nothing. */
  DISTILLERY_RUN_TRAIN_STEPS: env.int(0, 5),
  /** Optimizer steps of the EAGLE drafter trained for the student (on a few prompts: a short run); 0 trains none. */
  DISTILLERY_RUN_DRAFTER_STEPS: env.int(0, 60),
  /** Held-out conversations replayed through the agents on the served student after training; 0 replays none. */
  DISTILLERY_RUN_REPLAY_CONVERSATIONS: env.int(0, 3),
});

export type RunConfig = z.infer<typeof runConfigSchema>;

/** Throws ConfigError naming each bad variable and what it expected. */
export function loadRunConfig(environment: Readonly<Record<string, string | undefined>>): RunConfig {
  return loadConfig(runConfigSchema, environment);
}
