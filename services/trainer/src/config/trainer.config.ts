import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { computeConfigSchema, IMPORTABLE_BASES, TRAIN_STAGES, type TrainStage } from '@distillery/compute';
import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/**
 * The compute plane's model presets (compute/distillery_compute/model.py): micro and tiny bootstrap a
 * base from scratch (tests, an explicit choice), smollm2-135m (the default) starts from the pretrained
 * SmolLM2-135M-Instruct that `import-base` brings in from its package, the Llama presets need a base dir.
 */
export const TRAINER_PRESETS = ['smollm2-135m', 'micro', 'tiny', 'llama-3.2-1b', 'llama-3.1-8b'] as const;
export const DEFAULT_TRAINER_PRESET = 'smollm2-135m';
const BOOTSTRAP_PRESETS: readonly string[] = ['micro', 'tiny'];
const IMPORTED_PRESETS: readonly string[] = IMPORTABLE_BASES;

/** `expand,cpt,sft,dpo` → the stages named, in pipeline order. */
const stageList = z
  .string()
  .transform((text, context) => {
    const names = text.split(',').map((name) => name.trim()).filter(Boolean);
    const unknown = names.filter((name) => !(TRAIN_STAGES as readonly string[]).includes(name));
    if (unknown.length || names.length === 0) {
      context.addIssue({ code: 'custom', message: `expected a comma-separated list of ${TRAIN_STAGES.join(', ')}` });
      return z.NEVER;
    }
    return TRAIN_STAGES.filter((stage) => names.includes(stage)) as TrainStage[];
  })
  .default([...TRAIN_STAGES]);

/** A Hugging Face Llama checkpoint dir to start from, with its tokenizer (what `train --base` checks). */
const baseDir = z
  .string()
  .refine((dir) => existsSync(join(dir, 'config.json')) && existsSync(join(dir, 'tokenizer.json')), 'expected a Hugging Face checkpoint dir holding config.json and tokenizer.json')
  .transform((dir) => resolve(dir));

/** The trainer's own settings (and the compute plane's DISTILLERY_COMPUTE_PYTHON), validated at boot like the platform's. */
export const trainerConfigSchema = computeConfigSchema
  .extend({
    /** The student's shape: smollm2-135m (imported once), micro / tiny (bootstrapped: tests), or a Llama preset with DISTILLERY_TRAINER_BASE. */
    DISTILLERY_TRAINER_PRESET: env.oneOf(TRAINER_PRESETS, DEFAULT_TRAINER_PRESET),
    /** Training jobs run at once by this replica (one per compute slot); 0 records jobs and runs none. */
    DISTILLERY_TRAINER_SLOTS: env.int(0, 1),
    /** Cap on every stage's optimizer steps (default: the preset's budget or Table 3's epochs). */
    DISTILLERY_TRAINER_MAX_STEPS: env.int(1).optional(),
    DISTILLERY_TRAINER_BASE: baseDir.optional(),
    DISTILLERY_TRAINER_STAGES: stageList,
    /** The model the checkpoints are versions of (the checkpoints.bf16 key). */
    DISTILLERY_TRAINER_MODEL_ID: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,120}$/, 'expected letters, digits and ._:@+- (not starting with one of those), at most 121 characters')
      .default('student-dealership'),
    DISTILLERY_TRAINER_DEVICE: env.oneOf(['auto', 'cpu', 'cuda'] as const, 'auto'),
    DISTILLERY_TRAINER_SEED: env.int(0, 0),
    /** Held-out rows decoded after each stage for exact match (0: the held-out loss only). */
    DISTILLERY_TRAINER_EVAL_LIMIT: env.int(0, 24),
    /** Held-out rows whose loss is measured after each stage, each agent in turn (0: all). */
    DISTILLERY_TRAINER_EVAL_ROWS: env.int(0, 0),
  })
  .superRefine((config, context) => {
    const preset = config.DISTILLERY_TRAINER_PRESET;
    if (BOOTSTRAP_PRESETS.includes(preset) || IMPORTED_PRESETS.includes(preset) || config.DISTILLERY_TRAINER_BASE) return;
    context.addIssue({
      code: 'custom',
      path: ['DISTILLERY_TRAINER_BASE'],
      message: `required when DISTILLERY_TRAINER_PRESET=${preset} (${BOOTSTRAP_PRESETS.join(' and ')} bootstrap a base, ${IMPORTED_PRESETS.join(', ')} import one)`,
    });
  });

/** Whether a preset without DISTILLERY_TRAINER_BASE starts from a base `import-base` brings in (cached under the data dir). */
export function importsBase(preset: string): preset is (typeof IMPORTABLE_BASES)[number] {
  return IMPORTED_PRESETS.includes(preset);
}

export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

/** Throws ConfigError naming each bad variable. */
export function loadTrainerConfig(environment: Readonly<Record<string, string | undefined>> = process.env): TrainerConfig {
  return loadConfig(trainerConfigSchema, environment);
}
