import { randomUUID } from 'node:crypto';
import { storableText, storableValue, type TraceRaw, traceRawContract } from '@distillery/contracts';
import { type DialogueState, EMPTY_DIALOGUE, RULES_VERSION } from '@distillery/dealership';
import { type Outbox, preparedQuery } from '@distillery/storage';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { SessionEntity } from './session.entity.js';
import { SessionNotFoundError } from './session-not-found.error.js';
import { TurnEntity } from './turn.entity.js';

export interface NewSession {
  readonly tenant: string;
  readonly customerRef: string;
  readonly locale: string;
  readonly source: 'production' | 'simulation';
  readonly campaignId?: string;
  readonly metadata: Record<string, string>;
}

/**
 * Sessions and turns in PostgreSQL; a turn and its traces.raw event commit together (outbox).
 * Whatever it is given, it writes only text PostgreSQL takes (`storableText`/`storableValue`:
 * NUL, the other refused control characters and lone surrogates become U+FFFD), so no turn fails
 * on its insert; the API refuses such text at the edge already.
 */
export class SessionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  async create(session: NewSession): Promise<SessionEntity> {
    const created = Object.assign(new SessionEntity(), {
      id: `sess_${randomUUID()}`,
      tenant: storableText(session.tenant),
      customerRef: storableText(session.customerRef),
      locale: storableText(session.locale),
      source: session.source,
      campaignId: session.campaignId === undefined ? null : storableText(session.campaignId),
      metadata: storableValue(session.metadata),
      dialogue: EMPTY_DIALOGUE as unknown as Record<string, unknown>,
      ended: false,
      turnCount: 0,
      createdAt: new Date(),
    });
    // insert, not save: save would first look the new id up.
    await this.dataSource.getRepository(SessionEntity).insert(created as QueryDeepPartialEntity<SessionEntity>);
    return created;
  }

  /** The tenant's session; another tenant's session id is indistinguishable from a missing one. */
  async get(tenant: string, sessionId: string): Promise<SessionEntity> {
    return (await this.getForTurn(tenant, sessionId)).session;
  }

  /** The session a turn starts from, and the dealership's rules version in the same round trip. */
  async getForTurn(tenant: string, sessionId: string): Promise<{ session: SessionEntity; rulesVersion: number }> {
    // Plain SQL on the per-turn path: the entity layer costs more than the query here.
    const [row] = await preparedQuery<SessionEntity & { rulesVersion: number }>(this.dataSource, SESSION_FOR_TURN, [storableText(sessionId), storableText(tenant)]);
    if (!row) throw new SessionNotFoundError(sessionId);
    const { rulesVersion, ...session } = row;
    return { session: Object.assign(new SessionEntity(), session), rulesVersion };
  }

  turns(sessionId: string): Promise<TurnEntity[]> {
    return this.dataSource.getRepository(TurnEntity).find({ where: { sessionId }, order: { index: 'ASC' } });
  }

  async turn(tenant: string, sessionId: string, turnId: string): Promise<TurnEntity> {
    await this.get(tenant, sessionId);
    const turn = await this.findTurn('id = $2', [storableText(sessionId), storableText(turnId)]);
    if (!turn) throw new SessionNotFoundError(`${sessionId}/${turnId}`);
    return turn;
  }

  /** A retried message (same client message id) finds the turn already answered. */
  findByClientMessageId(sessionId: string, clientMessageId: string): Promise<TurnEntity | null> {
    return this.findTurn('client_message_id = $2', [storableText(sessionId), storableText(clientMessageId)]);
  }

  private async findTurn(condition: string, params: [string, string]): Promise<TurnEntity | null> {
    const [row] = await preparedQuery<TurnEntity & { trace: string }>(this.dataSource, `SELECT ${TURN_COLUMNS} FROM agents.turns WHERE session_id = $1 AND ${condition}`, params);
    return row ? Object.assign(new TurnEntity(), row, { trace: JSON.parse(row.trace) as Record<string, unknown> }) : null;
  }

  /**
   * Writes the turn, the session's new memory and the trace event in ONE statement (atomic, one
   * round trip). The turn's index is the session's turn count as read with the session; a
   * concurrent turn of the same session moves the count first, so the statement matches no row
   * and the turn is written again at the next index.
   */
  async recordTurn(session: SessionEntity, given: Omit<TraceRaw, 'turnIndex' | 'turnId'>, givenDialogue: DialogueState, ended: boolean, clientMessageId: string | undefined): Promise<TurnEntity> {
    // The customer's words, a model's output and tool results all reach the trace and the memory.
    const trace = storableValue(given);
    const dialogue = storableValue(givenDialogue);
    for (let index = session.turnCount; ; ) {
      const turn = Object.assign(new TurnEntity(), {
        id: `turn_${randomUUID()}`,
        sessionId: session.id,
        index,
        userMessage: trace.userMessage,
        reply: trace.reply,
        clientMessageId: clientMessageId === undefined ? null : storableText(clientMessageId),
        createdAt: new Date(),
      });
      const full: TraceRaw = { ...trace, turnId: turn.id, turnIndex: index };
      turn.trace = full as unknown as Record<string, unknown>;
      const event = this.outbox.enqueueStatement(traceRawContract, full, { source: 'agents' }, 'turn', 13);
      const written = await preparedQuery(
        this.dataSource,
        `WITH session AS (UPDATE agents.sessions SET dialogue = $2, ended = $3, turn_count = $4 + 1 WHERE id = $1 AND turn_count = $4 RETURNING id),
          turn AS (INSERT INTO agents.turns (id, session_id, turn_index, user_message, reply, client_message_id, trace, created_at)
            SELECT $5, $6, $7, $8, $9, $10, $11, $12 FROM session RETURNING id)
        ${event.sql}`,
        [session.id, JSON.stringify(dialogue), ended, index, turn.id, turn.sessionId, index, turn.userMessage, turn.reply, turn.clientMessageId, JSON.stringify(full), turn.createdAt, ...event.params],
      );
      if (written.length) {
        this.onCommitted();
        return turn;
      }
      const [current] = (await this.dataSource.query('SELECT turn_count AS "turnCount" FROM agents.sessions WHERE id = $1', [session.id])) as Array<{ turnCount: number }>;
      if (!current) throw new SessionNotFoundError(session.id);
      index = current.turnCount;
    }
  }
}

const SESSION_COLUMNS = 'id, tenant, customer_ref AS "customerRef", locale, source, campaign_id AS "campaignId", metadata, dialogue, ended, turn_count AS "turnCount", created_at AS "createdAt"';
const SESSION_FOR_TURN = `SELECT ${SESSION_COLUMNS}, ${RULES_VERSION} AS "rulesVersion" FROM agents.sessions WHERE id = $1 AND tenant = $2`;
const TURN_COLUMNS = 'id, session_id AS "sessionId", turn_index AS "index", user_message AS "userMessage", reply, client_message_id AS "clientMessageId", trace, created_at AS "createdAt"';
