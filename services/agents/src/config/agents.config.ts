import { env, loadConfig } from '@distillery/config';
import { apiKeysSetting } from '@distillery/service-kit';
import { z } from 'zod';

/** The agents service's own settings, validated at boot like the platform's. */
export const agentsConfigSchema = z
  .object({
    DISTILLERY_AGENTS_GRPC_HOST: env.text('127.0.0.1'),
    DISTILLERY_AGENTS_GRPC_PORT: env.port(7201),
    /** `key:tenant[:role],…` (a key without a role is a product app's; an admin key may change the business); the default serves one local tenant for embedded runs. */
    DISTILLERY_AGENTS_API_KEYS: apiKeysSetting('dev-key:dev', 'product'),
    /** Tenants whose API keys may change the business over the DealershipAdminService (simulator campaigns switch vehicles, rules and tools mid-conversation). */
    DISTILLERY_AGENTS_ADMIN_TENANTS: z
      .string()
      .regex(/^[^,\s]+(,[^,\s]+)*$/, 'expected tenant names separated by commas')
      .transform((text) => new Set(text.split(',')))
      .default(new Set(['dev'])),
    DISTILLERY_AGENTS_RATE_PER_MINUTE: env.int(1, 600),
    DISTILLERY_AGENTS_RATE_BURST: env.int(1, 100),
    DISTILLERY_AGENTS_MAX_MESSAGE_CHARS: env.int(1, 4_000),
    /** reference: the teacher as code; openai: any OpenAI-compatible endpoint; serving: the student on our serving service. */
    DISTILLERY_AGENTS_BACKEND: env.oneOf(['reference', 'openai', 'serving'] as const, 'reference'),
    DISTILLERY_OPENAI_BASE_URL: z.url({ error: 'expected an http(s) URL such as http://127.0.0.1:8000/v1' }).optional(),
    DISTILLERY_OPENAI_MODEL: z.string().min(1).optional(),
    DISTILLERY_OPENAI_API_KEY: z.string().optional(),
    DISTILLERY_OPENAI_TIMEOUT_MS: env.int(100, 60_000),
    /** The serving service's OpenAI API, for the `serving` backend. */
    DISTILLERY_SERVING_URL: z.url({ error: 'expected an http(s) URL such as http://127.0.0.1:7108/v1' }).default('http://127.0.0.1:7108/v1'),
    /** The model the `serving` backend asks for: the student's model id (its active version answers) or one version (`model@checkpoint`). */
    DISTILLERY_SERVING_MODEL: z.string().min(1).max(256).default('student-dealership'),
    DISTILLERY_SERVING_API_KEY: z.string().min(1).default('dev-key'),
    DISTILLERY_AGENTS_PROMPT_PROFILE: env.oneOf(['production', 'compact'] as const, 'production'),
    DISTILLERY_AGENTS_MAX_REPLANS: env.int(0, 2),
    /** Halstead volume above which the LLM evaluator reviews a plan. */
    DISTILLERY_AGENTS_EVALUATOR_VOLUME: env.int(0, 400),
    /** Seeds the dealership's data and the reference policy's mistakes. */
    DISTILLERY_AGENTS_SEED: env.int(0, 7),
    /** How often each role of the reference teacher errs on purpose (0 plays every role correctly), so the judge has mistakes to fix. */
    DISTILLERY_AGENTS_MISTAKE_RATE: z.coerce.number({ error: 'expected a number between 0 and 1' }).min(0, 'expected a number between 0 and 1').max(1, 'expected a number between 0 and 1').default(0.1),
  })
  .superRefine((config, context) => {
    if (config.DISTILLERY_AGENTS_BACKEND !== 'openai') return;
    for (const name of ['DISTILLERY_OPENAI_BASE_URL', 'DISTILLERY_OPENAI_MODEL'] as const) {
      if (!config[name]) context.addIssue({ code: 'custom', path: [name], message: 'required when DISTILLERY_AGENTS_BACKEND=openai' });
    }
  });

export type AgentsConfig = z.infer<typeof agentsConfigSchema>;

export function loadAgentsConfig(environment: Readonly<Record<string, string | undefined>> = process.env): AgentsConfig {
  return loadConfig(agentsConfigSchema, environment);
}
