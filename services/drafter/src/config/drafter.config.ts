import { computeConfigSchema, DRAFTER_VARIANTS, type DrafterVariant } from '@distillery/compute';
import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** `synthetic,combined` → the variants named, in Table 2's order (external, synthetic, combined). */
const variantList = z
  .string()
  .transform((text, context) => {
    const names = text.split(',').map((name) => name.trim()).filter(Boolean);
    const unknown = names.filter((name) => !(DRAFTER_VARIANTS as readonly string[]).includes(name));
    if (unknown.length || names.length === 0) {
      context.addIssue({ code: 'custom', message: `expected a comma-separated list of ${DRAFTER_VARIANTS.join(', ')}` });
      return z.NEVER;
    }
    return DRAFTER_VARIANTS.filter((variant) => names.includes(variant)) as DrafterVariant[];
  })
  .default(['combined']);

/** The drafter's own settings (and the compute plane's DISTILLERY_COMPUTE_PYTHON), validated at boot like the platform's. */
export const drafterConfigSchema = computeConfigSchema.extend({
  /**
   * The drafters each job trains (the paper's Table 2): `external` (on the external prompts),
   * `synthetic` (on the in-domain ones), `combined` (both); the best by tree acceptance is announced.
   */
  DISTILLERY_DRAFTER_VARIANTS: variantList,
  /** Drafter jobs run at once by this replica: 1, or 0 to record jobs and run none (a job takes the engine and the trainer's share of the machine). */
  DISTILLERY_DRAFTER_SLOTS: z.coerce.number({ error: 'expected 0 or 1' }).int('expected 0 or 1').min(0, 'expected 0 or 1').max(1, 'expected 0 or 1').default(1),
  /** Optimizer steps per drafter. */
  DISTILLERY_DRAFTER_STEPS: env.int(1, 1000),
  /** The draft vocabulary: the student's most answered tokens the drafter predicts over. */
  DISTILLERY_DRAFTER_DRAFT_VOCAB: env.int(1, 2048),
  /** Training-time-test unroll: draft steps trained on the drafter's own features. */
  DISTILLERY_DRAFTER_TTT_STEPS: env.int(1, 7),
  /** The student's answer per eagle prompt, in tokens (the drafter's training data). */
  DISTILLERY_DRAFTER_MAX_NEW_TOKENS: env.int(1, 256),
  /** Prompt and answer kept per training example, in tokens. */
  DISTILLERY_DRAFTER_MAX_TOKENS: env.int(1, 1024),
  /** The training data's size budget per set, in bytes (default: the compute plane's, 1 GiB). */
  DISTILLERY_DRAFTER_MAX_BYTES: env.int(1).optional(),
  /** EAGLE prompts the student answers per set (default: all; short runs). */
  DISTILLERY_DRAFTER_MAX_PROMPTS: env.int(1).optional(),
  /** Held-out prompts the acceptance is measured on. */
  DISTILLERY_DRAFTER_EVAL_LIMIT: env.int(1, 16),
  /** Tokens decoded per held-out prompt. */
  DISTILLERY_DRAFTER_EVAL_MAX_TOKENS: env.int(1, 256),
});

export type DrafterConfig = z.infer<typeof drafterConfigSchema>;

/** Throws ConfigError naming each bad variable. */
export function loadDrafterConfig(environment: Readonly<Record<string, string | undefined>> = process.env): DrafterConfig {
  return loadConfig(drafterConfigSchema, environment);
}
