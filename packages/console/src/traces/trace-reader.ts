import type { TraceRaw } from '@distillery/contracts';
import type { Database } from '@distillery/storage';

export interface SessionRow {
  readonly id: string;
  readonly tenant: string;
  readonly customerRef: string;
  readonly source: string;
  readonly campaignId: string | null;
  readonly ended: boolean;
  readonly turnCount: number;
  readonly createdAt: Date;
}

export interface TurnRow {
  readonly id: string;
  readonly index: number;
  readonly userMessage: string;
  readonly reply: string;
  readonly createdAt: Date;
}

/** The judge's verdict on one agent call of a turn (a row of judge.refinements). */
export interface CallVerdict {
  readonly callId: string;
  readonly agent: string;
  readonly verdict: 'accepted' | 'corrected' | 'rejected';
  readonly reasons: readonly string[];
  readonly output: string;
  readonly refined: string;
  readonly judge: string;
}

/** What the judge said of a set of turns: verdicts per turn id, or why nothing can be said. */
export type Verdicts<T> = { readonly available: true; readonly byTurn: ReadonlyMap<string, T> } | { readonly available: false; readonly reason: string };

const SESSION_COLUMNS = 'id, tenant, customer_ref AS "customerRef", source, campaign_id AS "campaignId", ended, turn_count AS "turnCount", created_at AS "createdAt"';

/**
 * Reads the agents' sessions and turns (each turn keeps its whole trace: the five agents' calls,
 * the plan, the tool calls, the reply) and the judge's verdicts on them, from the services' own
 * tables in the platform's database. Read only.
 */
export class TraceReader {
  constructor(private readonly database: Database) {}

  /** Sessions newest first, of one campaign when given, and how many there are in all. */
  async sessions(options: { readonly limit: number; readonly offset: number; readonly campaignId?: string }): Promise<{ sessions: SessionRow[]; total: number }> {
    const where = options.campaignId === undefined ? '' : 'WHERE campaign_id = $3';
    const params = options.campaignId === undefined ? [options.limit, options.offset] : [options.limit, options.offset, options.campaignId];
    const sessions = (await this.database.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM agents.sessions ${where} ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`, params)) as SessionRow[];
    const [count] = (await this.database.dataSource.query(`SELECT count(*)::int AS total FROM agents.sessions ${where.replace('$3', '$1')}`, options.campaignId === undefined ? [] : [options.campaignId])) as Array<{ total: number }>;
    return { sessions, total: count?.total ?? 0 };
  }

  async session(sessionId: string): Promise<SessionRow | undefined> {
    const [row] = (await this.database.dataSource.query(`SELECT ${SESSION_COLUMNS} FROM agents.sessions WHERE id = $1`, [sessionId])) as SessionRow[];
    return row;
  }

  turns(sessionId: string): Promise<TurnRow[]> {
    return this.database.dataSource.query('SELECT id, turn_index AS "index", user_message AS "userMessage", reply, created_at AS "createdAt" FROM agents.turns WHERE session_id = $1 ORDER BY turn_index', [sessionId]) as Promise<TurnRow[]>;
  }

  /** A turn of the session with its trace, undefined when the session has no such turn. */
  async turn(sessionId: string, turnId: string): Promise<(TurnRow & { readonly trace: TraceRaw }) | undefined> {
    const [row] = (await this.database.dataSource.query(
      'SELECT id, turn_index AS "index", user_message AS "userMessage", reply, created_at AS "createdAt", trace FROM agents.turns WHERE session_id = $1 AND id = $2',
      [sessionId, turnId],
    )) as Array<TurnRow & { trace: TraceRaw | string }>;
    if (!row) return undefined;
    return { ...row, trace: typeof row.trace === 'string' ? (JSON.parse(row.trace) as TraceRaw) : row.trace };
  }

  /** The verdicts of a session's turns counted per turn: `{accepted: 4, corrected: 1}`. */
  verdictCounts(sessionId: string): Promise<Verdicts<Readonly<Record<string, number>>>> {
    return this.judged(async () => {
      const rows = (await this.database.dataSource.query(
        'SELECT r.turn_id AS "turnId", r.verdict, count(*)::int AS n FROM judge.refinements r JOIN agents.turns t ON t.id = r.turn_id WHERE t.session_id = $1 GROUP BY r.turn_id, r.verdict',
        [sessionId],
      )) as Array<{ turnId: string; verdict: string; n: number }>;
      const byTurn = new Map<string, Record<string, number>>();
      for (const row of rows) byTurn.set(row.turnId, { ...byTurn.get(row.turnId), [row.verdict]: row.n });
      return byTurn;
    });
  }

  /** The judge's verdict on each agent call of a turn, by call id. */
  async callVerdicts(turnId: string): Promise<Verdicts<CallVerdict>> {
    return this.judged(async () => {
      const rows = (await this.database.dataSource.query(
        'SELECT call_id AS "callId", agent, verdict, reasons, output, refined, judge_backend AS backend, judge_model AS model FROM judge.refinements WHERE turn_id = $1',
        [turnId],
      )) as Array<Omit<CallVerdict, 'judge' | 'reasons'> & { reasons: string[] | string; backend: string; model: string }>;
      return new Map(rows.map((row) => [row.callId, { callId: row.callId, agent: row.agent, verdict: row.verdict, reasons: typeof row.reasons === 'string' ? (JSON.parse(row.reasons) as string[]) : row.reasons, output: row.output, refined: row.refined, judge: `${row.backend}/${row.model}` }]));
    });
  }

  /** The judge's tables exist only where the judge runs in this platform. */
  private async judged<T>(read: () => Promise<Map<string, T>>): Promise<Verdicts<T>> {
    const [present] = (await this.database.dataSource.query("SELECT to_regclass('judge.refinements') IS NOT NULL AS present")) as Array<{ present: boolean }>;
    if (!present?.present) return { available: false, reason: 'the judge does not run in this platform (no judge.refinements table)' };
    return { available: true, byTurn: await read() };
  }
}
