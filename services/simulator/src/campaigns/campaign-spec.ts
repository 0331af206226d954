import { BODIES, CREDIT_TIERS, FUELS } from '@distillery/dealership';
import { echo, safeText } from '@distillery/contracts';
import { z } from 'zod';
import { PHRASING_SIDES } from '../persona/phrasing-side.js';

/** The customer goals a campaign draws from (the intent and capability set N of the paper's S(H, N, I, E, Φ_S)). */
export const GOAL_KINDS = ['browse', 'test_drive', 'financing', 'trade_in', 'reservation', 'opening_hours', 'cancel_test_drive', 'hand_off'] as const;
export type GoalKind = (typeof GOAL_KINDS)[number];

/** Business switches a campaign may make mid-conversation: a car sold meanwhile, a rule changed, a tool appearing. */
export const SWITCH_KINDS = ['vehicle_sold', 'rule_change', 'tool_added'] as const;
export type SwitchKind = (typeof SWITCH_KINDS)[number];

export const DEFAULT_INTENT_MIX: Readonly<Record<GoalKind, number>> = {
  browse: 0.15,
  test_drive: 0.25,
  financing: 0.15,
  trade_in: 0.1,
  reservation: 0.1,
  opening_hours: 0.1,
  cancel_test_drive: 0.05,
  hand_off: 0.1,
};

/**
 * Seed topics (I): what the customers come in about; the reference personas read body, fuel and
 * feature words in them. A request without topics gets its phrasing's side of these (phrasing-side:
 * the last third are held out).
 */
export const DEFAULT_TOPICS: readonly string[] = [
  'a family SUV with room for everyone',
  'a cheap first car for a student',
  'an electric car for commuting',
  'a pickup truck that can tow a boat',
  'a fuel-efficient hybrid',
  'something sporty for weekends',
  'a minivan for school runs',
  'a reliable sedan',
];

/**
 * Field bounds: every text field refuses control characters and lone surrogates (safeText) and
 * has a length, every list a size, so no request field is unbounded.
 */
const MAX_TOPICS = 1_000;
const MAX_TOPIC_LENGTH = 200;
const MAX_LIST = 100;
const MAX_MAKE_LENGTH = 64;
const MAX_CUSTOMER_REFS = 10_000;
const MAX_MODEL_LENGTH = 200;
const MAX_PROMPT_TEMPLATE_LENGTH = 20_000;
/** How many unknown intents one problem quotes; the rest are counted. */
const QUOTED_UNKNOWN = 3;

const rate = (fallback: number) => z.number().min(0, 'expected a share between 0 and 1').max(1, 'expected a share between 0 and 1').default(fallback);

/** The environment E: the dealership the goals come from, inventory constraints and the synthetic customers' profiles. */
export const environmentSchema = z
  .strictObject({
    /** The dealership's seed (the agents' DISTILLERY_AGENTS_SEED); the simulator's default when absent. */
    dealershipSeed: z.number().int().min(0).optional(),
    inventory: z
      .strictObject({
        bodies: z.array(z.enum(BODIES)).min(1).max(MAX_LIST).optional(),
        fuels: z.array(z.enum(FUELS)).min(1).max(MAX_LIST).optional(),
        makes: z.array(safeText(MAX_MAKE_LENGTH).min(1)).min(1).max(MAX_LIST).optional(),
        maxPrice: z.number().int().positive().optional(),
        minYear: z.number().int().min(1990).optional(),
      })
      .default({}),
    customers: z
      .strictObject({
        creditTiers: z.array(z.enum(CREDIT_TIERS)).min(1).max(MAX_LIST).optional(),
        licenceOnFile: z.boolean().optional(),
        /** Only these customer refs (cust_0001 …). */
        refs: z.array(z.string().regex(/^cust_\d{4}$/, 'expected a customer ref such as cust_0001')).min(1).max(MAX_CUSTOMER_REFS).optional(),
      })
      .default({}),
  })
  .default({ inventory: {}, customers: {} });

/** How the personas talk: each a share of the conversations (typos: of the utterances) that show the trait. */
export const personaTraitsSchema = z
  .strictObject({
    typoRate: rate(0.15),
    indirectRate: rate(0.3),
    changeOfMindRate: rate(0.15),
    multiIntentRate: rate(0.15),
    outOfScopeRate: rate(0.1),
    /** Share that opens with a greeting and closes with thanks. */
    chattyRate: rate(0.5),
    /** Unhelpful replies a persona takes before it gives up. */
    patience: z.number().int().min(1).max(10).default(3),
  })
  .default({ typoRate: 0.15, indirectRate: 0.3, changeOfMindRate: 0.15, multiIntentRate: 0.15, outOfScopeRate: 0.1, chattyRate: 0.5, patience: 3 });

/** The prompt configuration Φ_S of the `llm` policy. */
export const llmSettingsSchema = z
  .strictObject({
    /** The model on the endpoint (the service's DISTILLERY_SIMULATOR_OPENAI_MODEL or DISTILLERY_OPENAI_MODEL when absent). */
    model: safeText(MAX_MODEL_LENGTH).min(1).optional(),
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().min(16).max(4_096).default(200),
    /** The system prompt, with {{persona}}, {{goal}}, {{intents}}, {{topic}}, {{environment}}, {{style}} filled in; the built-in Φ_S when absent. */
    promptTemplate: safeText(MAX_PROMPT_TEMPLATE_LENGTH).min(20).optional(),
  })
  .default({ temperature: 0.7, maxTokens: 200 });

/** A weight per known key: one problem names the first few unknown keys (bounded by echo), counts the rest and lists the known ones once. */
const weights = <K extends string>(keys: readonly K[], what: string) =>
  z
    .record(z.string(), z.number().min(0, `${what} weights are ≥ 0`))
    .superRefine((mix, context) => {
      const unknown = Object.keys(mix).filter((key) => !(keys as readonly string[]).includes(key));
      if (unknown.length) {
        const quoted = unknown.slice(0, QUOTED_UNKNOWN).map((key) => echo(key, 32));
        const more = unknown.length > quoted.length ? ` and ${unknown.length - quoted.length} more` : '';
        context.addIssue({ code: 'custom', message: `unknown ${what}${unknown.length > 1 ? 's' : ''} ${quoted.join(', ')}${more} (known: ${keys.join(', ')})` });
      }
      if (!Object.values(mix).some((weight) => weight > 0)) context.addIssue({ code: 'custom', message: `at least one ${what} needs a weight above 0` });
    })
    .transform((mix) => mix as Partial<Record<K, number>>);

/**
 * A campaign as asked for (POST /simulator/campaigns, `distillery simulate`): how many
 * conversations, from which seed, how many at once, which policy, and the paper's N (intentMix),
 * I (topics), E (environment) and the personas' traits. Parsing fills every default, so the stored
 * spec is complete and a resumed campaign plays exactly the same personas.
 */
export const campaignSpecSchema = z.strictObject({
  /** Your own id for the campaign (letters, digits, `._:-`); generated when absent. Asking again with the same id and spec answers the existing campaign. */
  campaignId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/, 'expected letters, digits and ._:- (at most 80 characters)').optional(),
  count: z.number().int().min(1).max(100_000),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(7),
  concurrency: z.number().int().min(1).max(256).default(4),
  policy: z.enum(['reference', 'llm']).optional(),
  intentMix: weights(GOAL_KINDS, 'intent').default(DEFAULT_INTENT_MIX),
  /** Absent: the phrasing's side of DEFAULT_TOPICS. Topics given are used as given, whatever the phrasing. */
  topics: z.array(safeText(MAX_TOPIC_LENGTH).min(1)).min(1).max(MAX_TOPICS).optional(),
  /**
   * `training` (the default) or `held-out`: which side of the reference customer's wordings and
   * the built-in persona traits the campaign plays (phrasing-side). A held-out campaign's id begins
   * with `heldout_` (HELD_OUT_CAMPAIGN_PREFIX), which tells the curator to keep its turns for the
   * eval-heldout part only; a training campaign's id may not.
   */
  phrasing: z.enum(PHRASING_SIDES).default('training'),
  environment: environmentSchema,
  personaTraits: personaTraitsSchema,
  /** Share of conversations in which the customer tries a prompt injection (once). */
  injectionRate: rate(0.05),
  /** Share of conversations in which the business changes mid-conversation. */
  switchRate: rate(0.1),
  switchKinds: z.array(z.enum(SWITCH_KINDS)).min(1).max(MAX_LIST).default([...SWITCH_KINDS]),
  /** Customer turns after which a conversation ends with EXIT max_turns. */
  maxTurns: z.number().int().min(1).max(100).default(12),
  llm: llmSettingsSchema,
});

export type CampaignRequest = z.input<typeof campaignSpecSchema>;

/** A campaign spec with every default filled in, the policy resolved and the id assigned: what is stored and replayed. */
export type CampaignSpec = Omit<z.output<typeof campaignSpecSchema>, 'campaignId' | 'policy' | 'environment' | 'topics'> & {
  readonly campaignId: string;
  readonly topics: string[];
  readonly policy: 'reference' | 'llm';
  readonly environment: z.output<typeof environmentSchema> & { readonly dealershipSeed: number };
};

export type PersonaTraits = z.output<typeof personaTraitsSchema>;
export type CampaignEnvironment = CampaignSpec['environment'];
export type LlmSettings = z.output<typeof llmSettingsSchema>;
