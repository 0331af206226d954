import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** The judge service's own settings, validated at boot like the platform's. */
export const judgeConfigSchema = z
  .object({
    /** `reference`: the error-free reference policy and the validators; `llm`: an OpenAI-compatible model under Φ_refine. */
    DISTILLERY_JUDGE_BACKEND: env.oneOf(['reference', 'llm'] as const, 'reference'),
    /** Recorded with every verdict and sent to the LLM endpoint: the same input and seed give the same refinement. */
    DISTILLERY_JUDGE_SEED: env.int(0, 7),
    /** How often the llm judge is asked again after an unusable answer before the call is rejected. */
    DISTILLERY_JUDGE_LLM_RETRIES: env.int(0, 2),
    /** The judge's model on the endpoint, when it is not the teacher's (`DISTILLERY_OPENAI_MODEL`). */
    DISTILLERY_JUDGE_OPENAI_MODEL: z.string().min(1).optional(),
    DISTILLERY_OPENAI_BASE_URL: z.url({ error: 'expected an http(s) URL such as http://127.0.0.1:8000/v1' }).optional(),
    DISTILLERY_OPENAI_MODEL: z.string().min(1).optional(),
    DISTILLERY_OPENAI_API_KEY: z.string().optional(),
    DISTILLERY_OPENAI_TIMEOUT_MS: env.int(100, 60_000),
  })
  .superRefine((config, context) => {
    if (config.DISTILLERY_JUDGE_BACKEND !== 'llm') return;
    if (!config.DISTILLERY_OPENAI_BASE_URL) context.addIssue({ code: 'custom', path: ['DISTILLERY_OPENAI_BASE_URL'], message: 'required when DISTILLERY_JUDGE_BACKEND=llm' });
    if (!config.DISTILLERY_JUDGE_OPENAI_MODEL && !config.DISTILLERY_OPENAI_MODEL) {
      context.addIssue({ code: 'custom', path: ['DISTILLERY_OPENAI_MODEL'], message: 'required when DISTILLERY_JUDGE_BACKEND=llm (or set DISTILLERY_JUDGE_OPENAI_MODEL)' });
    }
  });

export type JudgeConfig = z.infer<typeof judgeConfigSchema>;

export function loadJudgeConfig(environment: Readonly<Record<string, string | undefined>> = process.env): JudgeConfig {
  return loadConfig(judgeConfigSchema, environment);
}
