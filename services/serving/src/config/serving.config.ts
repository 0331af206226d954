import { computeConfigSchema, IMPORTABLE_BASES } from '@distillery/compute';
import { env, loadConfig } from '@distillery/config';
import { z } from 'zod';

/** The serving service's own settings (and the compute plane's DISTILLERY_COMPUTE_PYTHON), validated at boot. */
export const servingConfigSchema = computeConfigSchema.extend({
  DISTILLERY_SERVING_GRPC_HOST: env.text('127.0.0.1'),
  DISTILLERY_SERVING_GRPC_PORT: env.port(7208),
  /** Requests decoding at once; more wait in the queue. */
  DISTILLERY_SERVING_MAX_RUNNING: env.int(1, 32),
  /** Requests waiting for a slot; one more is refused with 429 / RESOURCE_EXHAUSTED and Retry-After. */
  DISTILLERY_SERVING_MAX_QUEUED: env.int(0, 128),
  /** max_tokens of a chat completion that names none. */
  DISTILLERY_SERVING_DEFAULT_MAX_TOKENS: env.int(1, 512),
  /** A packaged pretrained base served as a model of its own (imported once under the data dir), besides the announced students. */
  DISTILLERY_SERVING_BASE: env.oneOf(['none', ...IMPORTABLE_BASES] as const, 'none'),
  /** Gateway mode: an OpenAI-compatible server (vLLM serving our exported checkpoint) answers every completion; no engine runs here. */
  DISTILLERY_SERVING_UPSTREAM: z.url({ error: 'expected an http(s) URL such as http://127.0.0.1:8000/v1' }).optional(),
  DISTILLERY_SERVING_UPSTREAM_API_KEY: z.string().optional(),
  DISTILLERY_SERVING_DEVICE: env.oneOf(['auto', 'cpu', 'cuda'] as const, 'auto'),
  /** Requests one engine step decodes together at most. */
  DISTILLERY_SERVING_MAX_SEQS: env.int(1, 64),
  /** How a version with an announced drafter (drafters.ready) decodes: an EAGLE-2 dynamic tree, a chain, or `off` (drafters are recorded, not loaded). */
  DISTILLERY_SERVING_SPECULATIVE: env.oneOf(['tree', 'chain', 'off'] as const, 'chain'),
  /** With a drafter: a chain's length, a tree's depth. */
  DISTILLERY_SERVING_DRAFT_TOKENS: env.int(1, 7),
  /** A drafter whose measured speed-up over plain decoding (drafters.ready's `chainSpeedup` or `speedup`, for the method above) is below this is refused: it would slow the version down. */
  DISTILLERY_SERVING_MIN_DRAFTER_SPEEDUP: z.coerce.number({ error: 'expected a number ≥ 0' }).min(0, 'expected a number ≥ 0').default(1),
  /** `fp8`: a version the quantizer announced on checkpoints.fp8 is served in FP8 (with its FP8 drafter); `bf16`: FP8 versions are recorded, never loaded. */
  DISTILLERY_SERVING_PRECISION: env.oneOf(['fp8', 'bf16'] as const, 'fp8'),
  /** An FP8 version whose exact match (the quantizer's manifest) is below its BF16 exact match less this is refused, with the figures as the reason. */
  DISTILLERY_SERVING_FP8_TOLERANCE: z.coerce.number({ error: 'expected a number between 0 and 1' }).min(0, 'expected a number between 0 and 1').max(1, 'expected a number between 0 and 1').default(0.05),
  /** `on`: a new version replaces the one serving only if its agent-level metrics on held-out rows are no worse than the incumbent's less DISTILLERY_SERVING_GATE_TOLERANCE (GET /serving/gates, deployments.gated); `off`: every new version is switched to once loaded. */
  DISTILLERY_SERVING_GATE: env.oneOf(['on', 'off'] as const, 'on'),
  /** `base`: a model's first version must be no worse than the pretrained base it was distilled from, when DISTILLERY_SERVING_BASE serves that base here; `none`: a first version is served on its own figures. */
  DISTILLERY_SERVING_GATE_BASELINE: env.oneOf(['base', 'none'] as const, 'base'),
  /** Held-out rows each engine decodes for the gate, each agent in turn. */
  DISTILLERY_SERVING_GATE_ROWS: env.int(1, 24),
  /** How much worse than the incumbent's an agent metric may be (absolute, e.g. 0.05 = five points of a rate). */
  DISTILLERY_SERVING_GATE_TOLERANCE: z.coerce.number({ error: 'expected a number ≥ 0' }).min(0, 'expected a number ≥ 0').default(0.05),
  /** Tokens a held-out row's completion may run to. */
  DISTILLERY_SERVING_GATE_MAX_TOKENS: env.int(1, 256),
  /** The simulator's HTTP API: the gate then plays the E2E stress test through the agents against the candidate and the incumbent (POST /stress-runs, sessions pinned to each version); unset, the gate decides on agent metrics alone. */
  DISTILLERY_SERVING_GATE_E2E_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:7102/simulator' }).optional(),
  /** Stress scenarios played per version, of the test's 120 (the same seed and scenarios for both). */
  DISTILLERY_SERVING_GATE_E2E_SCENARIOS: env.intBetween(1, 120, 12),
  /** Turns a scenario plays, of its ten. */
  DISTILLERY_SERVING_GATE_E2E_TURNS: env.intBetween(1, 10, 10),
  /** A version's stress run not done within this is an error: the gate is tried again later. */
  DISTILLERY_SERVING_GATE_E2E_TIMEOUT_MS: env.int(1_000, 3_600_000),
  /** An operator's key of the simulator's API (its DISTILLERY_API_KEYS), for the stress runs. */
  DISTILLERY_SERVING_GATE_E2E_API_KEY: z.string().min(1).default('dev-key'),
});

export type ServingConfig = z.infer<typeof servingConfigSchema>;

/** Throws ConfigError naming each bad variable. */
export function loadServingConfig(environment: Readonly<Record<string, string | undefined>> = process.env): ServingConfig {
  return loadConfig(servingConfigSchema, environment);
}
