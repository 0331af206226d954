import { randomUUID } from 'node:crypto';
import { issueLines } from '@distillery/service-kit';
import { InvalidCampaignError } from '../errors/invalid-campaign.error.js';
import { type CampaignSpec, campaignSpecSchema } from './campaign-spec.js';

/** What the service fills in when a request leaves it out. */
export interface CampaignDefaults {
  readonly policy: 'reference' | 'llm';
  readonly dealershipSeed: number;
}

/** A fresh campaign id: `camp_20261124_120000_3f9a1c`. */
export function newCampaignId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `camp_${stamp}_${randomUUID().slice(0, 6)}`;
}

/** Validates a campaign request (InvalidCampaignError naming the first problems and counting them all) and fills every default, the id and the policy. */
export function resolveCampaignSpec(request: unknown, defaults: CampaignDefaults): CampaignSpec {
  const parsed = campaignSpecSchema.safeParse(request);
  if (!parsed.success) throw new InvalidCampaignError(issueLines(parsed.error.issues), parsed.error.issues.length);
  const { campaignId, policy, environment, ...rest } = parsed.data;
  return {
    ...rest,
    campaignId: campaignId ?? newCampaignId(),
    policy: policy ?? defaults.policy,
    environment: { ...environment, dealershipSeed: environment.dealershipSeed ?? defaults.dealershipSeed },
  };
}
