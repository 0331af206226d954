import { HELD_OUT_CAMPAIGN_PREFIX, storableText, storableValue, type TraceRefined } from '@distillery/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { RefinedTurn } from '../dataset/refined-turn.js';

/** The `LIKE` pattern of held-out-phrasing campaign ids: the prefix taken literally (its `_` escaped), then anything. */
const HELD_OUT_CAMPAIGN_PATTERN = `${HELD_OUT_CAMPAIGN_PREFIX.replace(/[\\%_]/g, '\\$&')}%`;

interface StoredTurn {
  trace: string;
  event_id: string;
}

/**
 * The refined turns the curator has received, one row a turn, read back as they came, except that
 * text PostgreSQL cannot hold (NUL, other control characters, lone surrogates: any producer may
 * send them) is stored as U+FFFD (storableValue), in the ids as in the trace, so they still match.
 */
export class RefinedTurnStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores turns in the caller's transaction (the inbox's), in one statement. A turn stored before —
   * the judge refined it again, or it came through another event — keeps its first version.
   * Returns how many turns were new.
   */
  async saveAll(manager: EntityManager, received: ReadonlyArray<{ readonly trace: TraceRefined; readonly eventId: string; readonly traceparent?: string | undefined }>): Promise<number> {
    if (received.length === 0) return 0;
    const traces = received.map(({ trace }) => storableValue(trace));
    const inserted: unknown[] = await manager.query(
      `INSERT INTO curator.refined_turns (turn_id, event_id, raw_event_id, conversation_id, turn_index, campaign_id, trace, trace_context)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[])
       ON CONFLICT (turn_id) DO NOTHING RETURNING turn_id`,
      [
        traces.map((trace) => trace.turnId),
        received.map(({ eventId }) => storableText(eventId)),
        traces.map((trace) => trace.rawEventId),
        traces.map((trace) => trace.conversationId),
        traces.map((trace) => trace.turnIndex),
        traces.map((trace) => trace.campaignId ?? null),
        traces.map((trace) => JSON.stringify(trace)),
        received.map(({ traceparent }) => (traceparent ? storableText(traceparent) : null)),
      ],
    );
    return inserted.length;
  }

  /** The trace contexts (`traceparent`) the turns came with, at most `limit`: a dataset's build links to them. */
  async traceContexts(turnIds: readonly string[], limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query('SELECT trace_context FROM curator.refined_turns WHERE turn_id = ANY($1) AND trace_context IS NOT NULL ORDER BY turn_id LIMIT $2', [turnIds, limit])) as Array<{ trace_context: string }>;
    return rows.map((row) => row.trace_context);
  }

  /** How many turns of these sessions are in, and which sessions have none yet. */
  async coverage(sessionIds: readonly string[]): Promise<{ turns: number; sessionsWithoutTurns: string[] }> {
    const rows = (await this.dataSource.query(
      `SELECT conversation_id AS id, count(*)::int AS n FROM curator.refined_turns WHERE conversation_id = ANY($1) GROUP BY conversation_id`,
      [sessionIds],
    )) as Array<{ id: string; n: number }>;
    const seen = new Set(rows.map((row) => row.id));
    return { turns: rows.reduce((sum, row) => sum + row.n, 0), sessionsWithoutTurns: sessionIds.filter((id) => !seen.has(id)) };
  }

  async forSessions(sessionIds: readonly string[]): Promise<RefinedTurn[]> {
    return this.read('WHERE conversation_id = ANY($1)', [sessionIds]);
  }

  async forCampaign(campaignId: string): Promise<RefinedTurn[]> {
    return this.read('WHERE campaign_id = $1', [campaignId]);
  }

  /**
   * Every turn of the held-out-phrasing campaigns, selected by the database on the campaign column:
   * the eval-heldout part of any version (never trained on, so every version may carry them).
   */
  async heldOut(): Promise<RefinedTurn[]> {
    return this.read('WHERE campaign_id LIKE $1', [HELD_OUT_CAMPAIGN_PATTERN]);
  }

  /** Whether a turn a version can train on (one of no campaign, or of a campaign not held out) is stored. */
  async hasTrainingTurns(): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      'SELECT EXISTS (SELECT 1 FROM curator.refined_turns WHERE campaign_id IS NULL OR campaign_id NOT LIKE $1) AS found',
      [HELD_OUT_CAMPAIGN_PATTERN],
    )) as Array<{ found: boolean }>;
    return row?.found ?? false;
  }

  async all(): Promise<RefinedTurn[]> {
    return this.read('', []);
  }

  private async read(where: string, params: unknown[]): Promise<RefinedTurn[]> {
    const rows = (await this.dataSource.query(`SELECT trace, event_id FROM curator.refined_turns ${where} ORDER BY conversation_id, turn_index, turn_id`, params)) as StoredTurn[];
    return rows.map((row) => ({ ...(JSON.parse(row.trace) as TraceRefined), eventId: row.event_id }));
  }
}
