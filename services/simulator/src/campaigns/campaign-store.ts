import { storableText, storableValue } from '@distillery/contracts';
import type { BusinessChange } from '@distillery/proto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Exchange } from '../policies/simulator-prompt.js';
import type { ExitReason } from '../policies/user-simulator.js';
import type { CampaignSpec } from './campaign-spec.js';

export type ConversationStatus = 'pending' | 'running' | 'done' | 'failed';

/** A business switch as a conversation made it (or could not). */
export interface SwitchRecord {
  readonly turn: number;
  readonly step: Readonly<Record<string, string>>;
  readonly applied: boolean;
  readonly detail?: string;
}

export interface StoredCampaign {
  readonly campaignId: string;
  readonly spec: CampaignSpec;
  readonly count: number;
  readonly status: 'running' | 'completed';
  readonly createdAt: Date;
  readonly completedAt: Date | null;
  readonly completionEventId: string | null;
}

/** Where a campaign stands, as GET /simulator/campaigns/:id answers. */
export interface CampaignProgress extends StoredCampaign {
  readonly conversations: Readonly<Record<ConversationStatus, number>>;
  readonly exits: Readonly<Partial<Record<ExitReason, number>>>;
  /** Turns played in finished conversations. */
  readonly turns: number;
  /** Sessions of attempts a crash or a drain abandoned (their traces are not part of the campaign). */
  readonly abandonedSessions: number;
}

export interface ConversationRow {
  readonly index: number;
  readonly status: ConversationStatus;
  readonly attempt: number;
  readonly sessionId: string | null;
  readonly abandonedSessionIds: readonly string[];
  readonly goal: unknown;
  readonly turns: number;
  readonly exitReason: ExitReason | null;
  readonly exitDetail: string | null;
  readonly error: string | null;
  readonly switches: readonly SwitchRecord[];
  readonly transcript?: readonly Exchange[];
}

/** What a finished conversation leaves in its row. */
export interface ConversationResult {
  readonly status: 'done' | 'failed';
  readonly turns: number;
  readonly exitReason?: ExitReason;
  readonly exitDetail?: string;
  readonly error?: string;
  readonly transcript: readonly Exchange[];
  readonly switches: readonly SwitchRecord[];
}

/** How many conversations a page holds when the caller names no limit, and at most. */
export const CONVERSATIONS_PAGE = 100;
export const MAX_CONVERSATIONS_PAGE = 1_000;

/** Which conversations to read: `limit` (default CONVERSATIONS_PAGE) after the index `after` (-1: from the first), in index order. */
export interface ConversationPage {
  readonly withTranscripts?: boolean;
  readonly after?: number;
  readonly limit?: number;
}

/** A JSON column's value with every string made storable (what the agents and a model said may hold NUL or a lone surrogate). */
const json = (value: unknown): string => JSON.stringify(storableValue(value));
/** A text column's value from elsewhere, made storable. */
const text = (value: string | null | undefined): string | null => (value == null ? null : storableText(value));

const CAMPAIGN = `campaign_id AS "campaignId", spec, count, status, created_at AS "createdAt", completed_at AS "completedAt", completion_event_id AS "completionEventId"`;
const CONVERSATION = `conversation_index AS index, status, attempt, session_id AS "sessionId", abandoned_session_ids AS "abandonedSessionIds", goal, turns,
  exit_reason AS "exitReason", exit_detail AS "exitDetail", error, switches`;

/** The rows TypeORM answers an UPDATE … RETURNING with (it answers [rows, count]). */
const updated = <T>(result: unknown): T[] => (result as [T[], number])[0];

/**
 * Campaigns and their conversations in the simulator schema. A replica runs a campaign while it
 * holds its lease; a conversation is claimed by the runner that plays it (`owner`), so a runner
 * that lost its lease cannot finish a conversation another replica has taken over. Text that came
 * from elsewhere (transcripts, the agents' replies and errors, goals, switches) is written with
 * storableText / storableValue: PostgreSQL takes no NUL, and no lone surrogate has a UTF-8 form.
 */
export class CampaignStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new campaign and its `count` pending conversations, leased to `owner`; false when the id exists. */
  async create(spec: CampaignSpec, owner: string, leaseMs: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO simulator.campaigns (campaign_id, spec, count, lease_owner, lease_until) VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
         ON CONFLICT (campaign_id) DO NOTHING RETURNING campaign_id`,
        [spec.campaignId, json(spec), spec.count, owner, leaseMs],
      )) as unknown[];
      if (!inserted.length) return false;
      await manager.query('INSERT INTO simulator.conversations (campaign_id, conversation_index) SELECT $1, g FROM generate_series(0, $2::int - 1) AS g', [spec.campaignId, spec.count]);
      return true;
    });
  }

  async find(campaignId: string): Promise<StoredCampaign | undefined> {
    const [row] = (await this.dataSource.query(`SELECT ${CAMPAIGN} FROM simulator.campaigns WHERE campaign_id = $1`, [campaignId])) as StoredCampaign[];
    return row;
  }

  async list(): Promise<StoredCampaign[]> {
    return (await this.dataSource.query(`SELECT ${CAMPAIGN} FROM simulator.campaigns ORDER BY created_at, campaign_id`)) as StoredCampaign[];
  }

  async progress(campaignId: string): Promise<CampaignProgress | undefined> {
    const campaign = await this.find(campaignId);
    if (!campaign) return undefined;
    const rows = (await this.dataSource.query(
      `SELECT status, exit_reason AS "exitReason", count(*)::int AS n, sum(turns)::int AS turns, sum(jsonb_array_length(abandoned_session_ids))::int AS abandoned
         FROM simulator.conversations WHERE campaign_id = $1 GROUP BY status, exit_reason`,
      [campaignId],
    )) as Array<{ status: ConversationStatus; exitReason: ExitReason | null; n: number; turns: number; abandoned: number }>;
    const conversations: Record<ConversationStatus, number> = { pending: 0, running: 0, done: 0, failed: 0 };
    const exits: Partial<Record<ExitReason, number>> = {};
    let turns = 0;
    let abandonedSessions = 0;
    for (const row of rows) {
      conversations[row.status] += row.n;
      if (row.status === 'done' && row.exitReason) exits[row.exitReason] = (exits[row.exitReason] ?? 0) + row.n;
      if (row.status === 'done') turns += row.turns;
      abandonedSessions += row.abandoned;
    }
    return { ...campaign, conversations, exits, turns, abandonedSessions };
  }

  /** A page of the campaign's conversations; `more` when rows follow it. */
  async conversations(campaignId: string, page: ConversationPage = {}): Promise<{ rows: ConversationRow[]; more: boolean }> {
    const limit = page.limit ?? CONVERSATIONS_PAGE;
    const rows = (await this.dataSource.query(
      `SELECT ${CONVERSATION}${page.withTranscripts ? ', transcript' : ''} FROM simulator.conversations
        WHERE campaign_id = $1 AND conversation_index > $2 ORDER BY conversation_index LIMIT $3`,
      [campaignId, page.after ?? -1, limit + 1],
    )) as ConversationRow[];
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  /** Running campaigns nobody holds (their replica crashed or drained): ready to be resumed. */
  async orphans(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT campaign_id AS id FROM simulator.campaigns WHERE status = 'running' AND (lease_until IS NULL OR lease_until < now()) ORDER BY created_at`)) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  /** Takes (or renews) the lease of a running campaign; false when another replica holds it or it is completed. */
  async lease(campaignId: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = updated(
      await this.dataSource.query(
        `UPDATE simulator.campaigns SET lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond'
          WHERE campaign_id = $1 AND status = 'running' AND (lease_owner = $2 OR lease_until IS NULL OR lease_until < now()) RETURNING campaign_id`,
        [campaignId, owner, leaseMs],
      ),
    );
    return rows.length > 0;
  }

  async releaseLease(campaignId: string, owner: string): Promise<void> {
    await this.dataSource.query('UPDATE simulator.campaigns SET lease_until = NULL WHERE campaign_id = $1 AND lease_owner = $2', [campaignId, owner]);
  }

  /**
   * Puts the conversations a dead runner left running back to pending. Their sessions move to
   * `abandoned_session_ids` (traces of an unfinished attempt, left out of the campaign); what
   * their switches still had to undo is answered, to be undone now.
   */
  async resetRunning(campaignId: string): Promise<Array<{ index: number; reverts: BusinessChange[] }>> {
    return updated<{ index: number; reverts: BusinessChange[] }>(
      await this.dataSource.query(
        `UPDATE simulator.conversations SET status = 'pending', owner = NULL, turns = 0, transcript = '[]', switches = '[]', exit_reason = NULL, exit_detail = NULL,
            abandoned_session_ids = CASE WHEN session_id IS NULL THEN abandoned_session_ids ELSE abandoned_session_ids || to_jsonb(session_id) END, session_id = NULL
          WHERE campaign_id = $1 AND status = 'running' RETURNING conversation_index AS index, pending_reverts AS reverts`,
        [campaignId],
      ),
    );
  }

  /** Claims the next pending conversation for `owner` (FOR UPDATE SKIP LOCKED: replicas never take the same one). */
  async claim(campaignId: string, owner: string): Promise<{ index: number; attempt: number } | undefined> {
    const [row] = updated<{ index: number; attempt: number }>(
      await this.dataSource.query(
        // The pick is a materialized CTE: as a subquery in FROM the planner may rescan it per row and claim them all.
        `WITH next AS MATERIALIZED (SELECT conversation_index FROM simulator.conversations WHERE campaign_id = $1 AND status = 'pending'
                 ORDER BY conversation_index LIMIT 1 FOR UPDATE SKIP LOCKED)
         UPDATE simulator.conversations c SET status = 'running', attempt = c.attempt + 1, owner = $2, started_at = now()
          FROM next WHERE c.campaign_id = $1 AND c.conversation_index = next.conversation_index RETURNING c.conversation_index AS index, c.attempt`,
        [campaignId, owner],
      ),
    );
    return row;
  }

  /** Records the agents session a conversation is played in, and its persona's goal. */
  async sessionOpened(campaignId: string, index: number, owner: string, sessionId: string, goal: unknown): Promise<void> {
    await this.dataSource.query('UPDATE simulator.conversations SET session_id = $4, goal = $5 WHERE campaign_id = $1 AND conversation_index = $2 AND owner = $3', [
      campaignId,
      index,
      owner,
      text(sessionId),
      json(goal),
    ]);
  }

  /** What the conversation's switches still have to undo (written as soon as a switch is made). */
  async setReverts(campaignId: string, index: number, owner: string, reverts: readonly BusinessChange[]): Promise<void> {
    await this.dataSource.query('UPDATE simulator.conversations SET pending_reverts = $4 WHERE campaign_id = $1 AND conversation_index = $2 AND owner = $3', [
      campaignId,
      index,
      owner,
      json(reverts),
    ]);
  }

  async clearReverts(campaignId: string, index: number): Promise<void> {
    await this.dataSource.query(`UPDATE simulator.conversations SET pending_reverts = '[]' WHERE campaign_id = $1 AND conversation_index = $2`, [campaignId, index]);
  }

  async turnPlayed(campaignId: string, index: number, owner: string, turns: number): Promise<void> {
    await this.dataSource.query('UPDATE simulator.conversations SET turns = $4 WHERE campaign_id = $1 AND conversation_index = $2 AND owner = $3', [campaignId, index, owner, turns]);
  }

  /** Finishes a conversation the owner still holds; false when it lost it (another replica took the campaign over). */
  async finish(campaignId: string, index: number, owner: string, result: ConversationResult): Promise<boolean> {
    const rows = updated(
      await this.dataSource.query(
        `UPDATE simulator.conversations SET status = $4, turns = $5, exit_reason = $6, exit_detail = $7, error = $8, transcript = $9, switches = $10, pending_reverts = '[]', finished_at = now()
          WHERE campaign_id = $1 AND conversation_index = $2 AND owner = $3 AND status = 'running' RETURNING conversation_index`,
        [campaignId, index, owner, result.status, result.turns, result.exitReason ?? null, text(result.exitDetail), text(result.error), json(result.transcript), json(result.switches)],
      ),
    );
    return rows.length > 0;
  }

  /** Gives an unfinished conversation back (a drain): pending again, its session abandoned. */
  async abandon(campaignId: string, index: number, owner: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE simulator.conversations SET status = 'pending', owner = NULL, turns = 0, transcript = '[]', switches = '[]',
          abandoned_session_ids = CASE WHEN session_id IS NULL THEN abandoned_session_ids ELSE abandoned_session_ids || to_jsonb(session_id) END, session_id = NULL
        WHERE campaign_id = $1 AND conversation_index = $2 AND owner = $3 AND status = 'running'`,
      [campaignId, index, owner],
    );
  }

  /** Conversations not finished yet (pending or running). */
  async open(campaignId: string): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM simulator.conversations WHERE campaign_id = $1 AND status IN ('pending', 'running')`, [campaignId])) as Array<{ n: number }>;
    return row?.n ?? 0;
  }

  /**
   * Marks the campaign completed, in the caller's transaction, when every conversation is finished
   * and it is still running; answers what its campaigns.completed event reports, or undefined.
   */
  async complete(manager: EntityManager, campaignId: string): Promise<{ spec: CampaignSpec; completed: number; failed: number; turns: number; sessionIds: string[]; completedAt: Date } | undefined> {
    const [campaign] = updated<{ spec: CampaignSpec; completedAt: Date }>(
      await manager.query(
        `UPDATE simulator.campaigns SET status = 'completed', completed_at = now(), lease_until = NULL
          WHERE campaign_id = $1 AND status = 'running'
            AND NOT EXISTS (SELECT 1 FROM simulator.conversations WHERE campaign_id = $1 AND status IN ('pending', 'running'))
          RETURNING spec, completed_at AS "completedAt"`,
        [campaignId],
      ),
    );
    if (!campaign) return undefined;
    const rows = (await manager.query(`SELECT status, session_id AS "sessionId", turns FROM simulator.conversations WHERE campaign_id = $1 ORDER BY conversation_index`, [campaignId])) as Array<{
      status: ConversationStatus;
      sessionId: string | null;
      turns: number;
    }>;
    const done = rows.filter((row) => row.status === 'done');
    return {
      spec: campaign.spec,
      completed: done.length,
      failed: rows.length - done.length,
      turns: done.reduce((sum, row) => sum + row.turns, 0),
      sessionIds: done.flatMap((row) => (row.sessionId ? [row.sessionId] : [])),
      completedAt: campaign.completedAt,
    };
  }

  async setCompletionEvent(manager: EntityManager, campaignId: string, eventId: string): Promise<void> {
    await manager.query('UPDATE simulator.campaigns SET completion_event_id = $2 WHERE campaign_id = $1', [campaignId, eventId]);
  }
}
