import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';
import { HARD_NEGATIVE_FAMILIES, type HardNegativeFamily } from '../dataset/hard-negative-kinds.js';

const share = (max: number, fallback: number) =>
  z.coerce
    .number({ error: `expected a number between 0 and ${max}` })
    .min(0, `expected a number between 0 and ${max}`)
    .max(max, `expected a number between 0 and ${max}`)
    .default(fallback);

const FAMILY_LIST = HARD_NEGATIVE_FAMILIES.join(', ');

/** `slots:0.4,credit:0.3,price:0.3` → weights by family; an unnamed family weighs 0. */
const hardNegativeMix = z
  .string()
  .transform((text, context) => {
    const mix = Object.fromEntries(HARD_NEGATIVE_FAMILIES.map((family) => [family, 0])) as Record<HardNegativeFamily, number>;
    for (const entry of text.split(',')) {
      const [family, weight, extra] = entry.split(':').map((part) => part.trim());
      const value = Number(weight);
      if (extra !== undefined || !(HARD_NEGATIVE_FAMILIES as readonly string[]).includes(family ?? '') || weight === '' || !Number.isFinite(value) || value < 0) {
        context.addIssue({ code: 'custom', message: `expected family:weight pairs separated by commas, families ${FAMILY_LIST}, weights ≥ 0` });
        return z.NEVER;
      }
      mix[family as HardNegativeFamily] = value;
    }
    if (Object.values(mix).every((weight) => weight === 0)) {
      context.addIssue({ code: 'custom', message: 'at least one family needs a weight above 0' });
      return z.NEVER;
    }
    return mix;
  })
  .default({ slots: 0.4, credit: 0.3, price: 0.3 });

/** The curator's own settings, validated at boot like the platform's. */
export const curatorConfigSchema = z.object({
  /** The dataset every build is a version of. */
  DISTILLERY_CURATOR_DATASET_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,120}$/, 'expected letters, digits and ._:@+- (not starting with one of those), at most 121 characters')
    .default('ds_dealership'),
  /** Seeds every draw of a build (splits, public documents, hard negatives, calibration windows). */
  DISTILLERY_CURATOR_SEED: env.int(0, 7),
  /** The dealership the vehicle documents describe; defaults to DISTILLERY_AGENTS_SEED, then 7. */
  DISTILLERY_CURATOR_DEALERSHIP_SEED: env.int(0).optional(),
  DISTILLERY_AGENTS_SEED: env.int(0).optional(),
  /** How long a completed campaign waits for its refined turns before it is built with what is there. */
  DISTILLERY_CURATOR_WAIT_MS: env.int(0, 600_000),
  /** How often waiting campaigns are checked. */
  DISTILLERY_CURATOR_POLL_MS: env.int(10, 1_000),
  DISTILLERY_CURATOR_PUBLIC_SHARE: share(0.95, 0.3),
  DISTILLERY_CURATOR_EVAL_SHARE: share(0.5, 0.1),
  DISTILLERY_CURATOR_HARD_NEGATIVE_SHARE: share(0.9, 0.1),
  DISTILLERY_CURATOR_HARD_NEGATIVE_MIX: hardNegativeMix,
  DISTILLERY_CURATOR_EAGLE_EXTERNAL_SHARE: share(0.9, 0.5),
  DISTILLERY_CURATOR_CALIBRATION_PER_BUCKET: env.int(1, 8),
});

export type CuratorConfig = z.infer<typeof curatorConfigSchema>;

/** Throws ConfigError naming each bad variable. */
export function loadCuratorConfig(environment: Readonly<Record<string, string | undefined>> = process.env): CuratorConfig {
  return loadConfig(curatorConfigSchema, environment);
}
