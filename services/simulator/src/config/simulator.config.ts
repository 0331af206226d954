import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** The simulator service's own settings, validated at boot like the platform's. */
export const simulatorConfigSchema = z
  .object({
    /** `host:port` of the agents service's gRPC API; defaults to the agents' own DISTILLERY_AGENTS_GRPC_HOST/PORT (one process in embedded mode). */
    DISTILLERY_SIMULATOR_AGENTS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port').optional(),
    DISTILLERY_AGENTS_GRPC_HOST: z.string().min(1).optional(),
    DISTILLERY_AGENTS_GRPC_PORT: env.port(7201),
    /** The API key sent as `x-api-key`; defaults to the first key of DISTILLERY_AGENTS_API_KEYS, then `dev-key`. Its tenant must be an admin tenant of the agents for business switches. */
    DISTILLERY_SIMULATOR_API_KEY: z.string().min(1).optional(),
    DISTILLERY_AGENTS_API_KEYS: z.string().optional(),
    /** `host:port` of the agents the stress runs (POST /simulator/stress-runs) are played against; defaults to the campaigns' agents. */
    DISTILLERY_SIMULATOR_STRESS_AGENTS_ADDRESS: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port').optional(),
    /** The API key of the stress runs; defaults to the campaigns' key. Its tenant must be an admin tenant of those agents (business switches, `serving_model`). */
    DISTILLERY_SIMULATOR_STRESS_API_KEY: z.string().min(1).optional(),
    /** Call the agents over TLS, trusting DISTILLERY_TLS_CA (else the system's CAs) and presenting DISTILLERY_TLS_CERT / _KEY when set (mutual TLS). */
    DISTILLERY_SIMULATOR_AGENTS_TLS: env.bool(false),
    /** Deadline of each call to the agents. */
    DISTILLERY_SIMULATOR_CALL_TIMEOUT_MS: env.int(100, 60_000),
    /** Deadline of each call of a stress run: a turn of a student on CPU takes minutes, and one past it fails its scenario. */
    DISTILLERY_SIMULATOR_STRESS_CALL_TIMEOUT_MS: env.int(100, 600_000),
    /** The policy of campaigns that name none: `reference` (goal-driven personas as code) or `llm` (an OpenAI-compatible endpoint under Φ_S). */
    DISTILLERY_SIMULATOR_POLICY: env.oneOf(['reference', 'llm'] as const, 'reference'),
    /** The simulator's model on the endpoint, when it is not the teacher's (`DISTILLERY_OPENAI_MODEL`). */
    DISTILLERY_SIMULATOR_OPENAI_MODEL: z.string().min(1).optional(),
    DISTILLERY_OPENAI_BASE_URL: z.url({ error: 'expected an http(s) URL such as http://127.0.0.1:8000/v1' }).optional(),
    DISTILLERY_OPENAI_MODEL: z.string().min(1).optional(),
    DISTILLERY_OPENAI_API_KEY: z.string().optional(),
    DISTILLERY_OPENAI_TIMEOUT_MS: env.int(100, 60_000),
    /** The dealership the personas' goals are drawn from; defaults to DISTILLERY_AGENTS_SEED, then 7 (a campaign may name its own). */
    DISTILLERY_SIMULATOR_DEALERSHIP_SEED: env.int(0).optional(),
    DISTILLERY_AGENTS_SEED: env.int(0).optional(),
    /** How long a replica's hold on a running campaign lasts without renewal; a crashed replica's campaign is resumed after it. */
    DISTILLERY_SIMULATOR_LEASE_MS: env.int(500, 15_000),
    /** Attempts at one conversation (crashes included) before it is marked failed. */
    DISTILLERY_SIMULATOR_MAX_ATTEMPTS: env.int(1, 3),
  })
  .superRefine((config, context) => {
    if (config.DISTILLERY_SIMULATOR_POLICY !== 'llm') return;
    if (!config.DISTILLERY_OPENAI_BASE_URL) context.addIssue({ code: 'custom', path: ['DISTILLERY_OPENAI_BASE_URL'], message: 'required when DISTILLERY_SIMULATOR_POLICY=llm' });
    if (!config.DISTILLERY_SIMULATOR_OPENAI_MODEL && !config.DISTILLERY_OPENAI_MODEL) {
      context.addIssue({ code: 'custom', path: ['DISTILLERY_OPENAI_MODEL'], message: 'required when DISTILLERY_SIMULATOR_POLICY=llm (or set DISTILLERY_SIMULATOR_OPENAI_MODEL)' });
    }
  });

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

/** Throws ConfigError naming each bad variable. */
export function loadSimulatorConfig(environment: Readonly<Record<string, string | undefined>> = process.env): SimulatorConfig {
  return loadConfig(simulatorConfigSchema, environment);
}

/** Where the agents answer and with which key, after the defaults. */
export function agentsEndpointOf(config: SimulatorConfig): { address: string; apiKey: string } {
  const address = config.DISTILLERY_SIMULATOR_AGENTS_ADDRESS ?? `${config.DISTILLERY_AGENTS_GRPC_HOST ?? '127.0.0.1'}:${config.DISTILLERY_AGENTS_GRPC_PORT}`;
  const apiKey = config.DISTILLERY_SIMULATOR_API_KEY ?? config.DISTILLERY_AGENTS_API_KEYS?.split(',')[0]?.split(':')[0]?.trim() ?? 'dev-key';
  return { address, apiKey };
}

/** Where the stress runs' agents answer and with which key: the campaigns' endpoint unless DISTILLERY_SIMULATOR_STRESS_* say otherwise. */
export function stressAgentsEndpointOf(config: SimulatorConfig): { address: string; apiKey: string } {
  const campaigns = agentsEndpointOf(config);
  return { address: config.DISTILLERY_SIMULATOR_STRESS_AGENTS_ADDRESS ?? campaigns.address, apiKey: config.DISTILLERY_SIMULATOR_STRESS_API_KEY ?? campaigns.apiKey };
}

/** The OpenAI-compatible endpoint of the `llm` policy, when one is configured. */
export function openAiEndpointOf(config: SimulatorConfig): { baseUrl: string; model: string; apiKey?: string; timeoutMs: number } | undefined {
  const model = config.DISTILLERY_SIMULATOR_OPENAI_MODEL ?? config.DISTILLERY_OPENAI_MODEL;
  if (!config.DISTILLERY_OPENAI_BASE_URL || !model) return undefined;
  return { baseUrl: config.DISTILLERY_OPENAI_BASE_URL, model, timeoutMs: config.DISTILLERY_OPENAI_TIMEOUT_MS, ...(config.DISTILLERY_OPENAI_API_KEY ? { apiKey: config.DISTILLERY_OPENAI_API_KEY } : {}) };
}
