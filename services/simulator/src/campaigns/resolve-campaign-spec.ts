import { randomUUID } from 'node:crypto';
import { HELD_OUT_CAMPAIGN_PREFIX } from '@distillery/contracts';
import { issueLines } from '@distillery/service-kit';
import { InvalidCampaignError } from '../errors/invalid-campaign.error.js';
import { onSide, type PhrasingSide } from '../persona/phrasing-side.js';
import { type CampaignSpec, campaignSpecSchema, DEFAULT_TOPICS } from './campaign-spec.js';

/** What the service fills in when a request leaves it out. */
export interface CampaignDefaults {
  readonly policy: 'reference' | 'llm';
  readonly dealershipSeed: number;
}

/** A fresh campaign id: `camp_20261124_120000_3f9a1c`, or `heldout_20261124_120000_3f9a1c` for a held-out-phrasing campaign. */
export function newCampaignId(now = new Date(), phrasing: PhrasingSide = 'training'): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `${phrasing === 'held-out' ? HELD_OUT_CAMPAIGN_PREFIX : 'camp_'}${stamp}_${randomUUID().slice(0, 6)}`;
}

/** What is wrong with a campaign id for its phrasing: the curator tells a held-out campaign's turns by the id alone. */
function idProblem(campaignId: string, phrasing: PhrasingSide): string | undefined {
  const marked = campaignId.startsWith(HELD_OUT_CAMPAIGN_PREFIX);
  if (phrasing === 'held-out' && !marked) return `campaignId: a held-out-phrasing campaign's id begins with ${HELD_OUT_CAMPAIGN_PREFIX}`;
  if (phrasing === 'training' && marked) return `campaignId: ${HELD_OUT_CAMPAIGN_PREFIX}… is kept for held-out-phrasing campaigns (phrasing: "held-out")`;
  return undefined;
}

/** Validates a campaign request (InvalidCampaignError naming the first problems and counting them all) and fills every default, the id and the policy. */
export function resolveCampaignSpec(request: unknown, defaults: CampaignDefaults): CampaignSpec {
  const parsed = campaignSpecSchema.safeParse(request);
  if (!parsed.success) throw new InvalidCampaignError(issueLines(parsed.error.issues), parsed.error.issues.length);
  const { campaignId, policy, environment, topics, ...rest } = parsed.data;
  const problem = campaignId === undefined ? undefined : idProblem(campaignId, rest.phrasing);
  if (problem) throw new InvalidCampaignError([problem]);
  return {
    ...rest,
    topics: topics ?? [...onSide(DEFAULT_TOPICS, rest.phrasing)],
    campaignId: campaignId ?? newCampaignId(new Date(), rest.phrasing),
    policy: policy ?? defaults.policy,
    environment: { ...environment, dealershipSeed: environment.dealershipSeed ?? defaults.dealershipSeed },
  };
}
