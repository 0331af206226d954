import { z } from 'zod';
import { lineageSchema } from '../artifact-ref.js';
import { defineContract } from '../contract.js';

export const campaignCompletedSchema = z.object({
  campaignId: z.string().min(1),
  seed: z.number().int(),
  policy: z.string().min(1),
  /** Conversations asked for, finished (each ended with EXIT), and failed. */
  conversations: z.object({ requested: z.number().int().nonnegative(), completed: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  /** Turns played in the finished conversations: the traces.raw events the curator should wait for. */
  turns: z.number().int().nonnegative(),
  /** The agents' session ids of the finished conversations; traces of other sessions of the campaign (abandoned halves) are not part of it. */
  sessionIds: z.array(z.string().min(1)),
  completedAt: z.iso.datetime(),
  lineage: lineageSchema,
});

export type CampaignCompleted = z.infer<typeof campaignCompletedSchema>;

export const campaignCompletedContract = defineContract({
  topic: 'campaigns.completed',
  version: 1,
  schema: campaignCompletedSchema,
  description: 'A simulator campaign has finished: which sessions belong to it and how many turns they played, so the curator can build its datasets once their refined traces are in.',
  keyDescription: 'campaignId',
  key: (campaign) => campaign.campaignId,
  example: {
    campaignId: 'camp_2026_11_24_a',
    seed: 7,
    policy: 'reference',
    conversations: { requested: 200, completed: 198, failed: 2 },
    turns: 911,
    sessionIds: ['sess_0b9f6f0e-3f7a-4a5e-9a57-0d2c8e3b1f10'],
    completedAt: '2026-11-24T12:00:00.000Z',
    lineage: { campaignId: 'camp_2026_11_24_a', parentEventIds: [] },
  },
});
