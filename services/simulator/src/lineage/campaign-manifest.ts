import type { ArtifactStore } from '@distillery/artifacts';
import type { ArtifactRef } from '@distillery/contracts';
import { type CampaignStore, MAX_CONVERSATIONS_PAGE } from '../campaigns/campaign-store.js';

/** The file of a campaign manifest: one conversation a line, in index order. */
export const CONVERSATIONS_FILE = 'conversations.jsonl';

/**
 * Records a completed campaign as the root of the lineage: a `campaign` manifest (id: the campaign's
 * id, the one the curator's dataset and traces nodes name) whose `conversations.jsonl` lists every
 * conversation — its session, status, turns and how it ended, the sessions a crash abandoned — with
 * the spec, EXIT reasons and the campaigns.completed event id in its attributes. Undefined when the
 * campaign is unknown or not completed.
 */
export async function recordCampaignManifest(artifacts: ArtifactStore, store: CampaignStore, campaignId: string): Promise<ArtifactRef | undefined> {
  const progress = await store.progress(campaignId);
  if (!progress || progress.status !== 'completed') return undefined;
  const lines: string[] = [];
  for (let after = -1, more = true; more; ) {
    const page = await store.conversations(campaignId, { after, limit: MAX_CONVERSATIONS_PAGE });
    for (const row of page.rows) {
      const { index, status, sessionId, abandonedSessionIds, turns, exitReason, error } = row;
      lines.push(`${JSON.stringify({ index, status, sessionId, abandonedSessionIds, turns, exitReason, ...(error ? { error } : {}) })}\n`);
    }
    after = page.rows.at(-1)?.index ?? after;
    more = page.more;
  }
  const conversations = await artifacts.put(lines.join(''), { kind: 'campaign-conversations' });
  return artifacts.putManifest({
    id: campaignId,
    kind: 'campaign',
    createdAt: new Date(progress.completedAt ?? Date.now()).toISOString(),
    createdBy: 'simulator',
    files: { [CONVERSATIONS_FILE]: conversations },
    parents: [],
    metrics: {
      conversations: progress.count,
      'conversations.done': progress.conversations.done,
      'conversations.failed': progress.conversations.failed,
      turns: progress.turns,
      'sessions.abandoned': progress.abandonedSessions,
    },
    attributes: { seed: progress.spec.seed, policy: progress.spec.policy, spec: progress.spec, exits: progress.exits, completionEventId: progress.completionEventId },
  });
}
