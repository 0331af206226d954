import { randomUUID } from 'node:crypto';
import { type TraceRaw, traceRawContract } from '@distillery/contracts';
import type { Outbox } from '@distillery/storage';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { EMPTY_DIALOGUE, type DialogueState } from '../pipeline/dialogue-state.js';
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

/** Sessions and turns in PostgreSQL; a turn and its traces.raw event commit together (outbox). */
export class SessionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  async create(session: NewSession): Promise<SessionEntity> {
    return this.dataSource.getRepository(SessionEntity).save({
      id: `sess_${randomUUID()}`,
      tenant: session.tenant,
      customerRef: session.customerRef,
      locale: session.locale,
      source: session.source,
      campaignId: session.campaignId ?? null,
      metadata: session.metadata,
      dialogue: EMPTY_DIALOGUE as unknown as Record<string, unknown>,
      ended: false,
    });
  }

  /** The tenant's session; another tenant's session id is indistinguishable from a missing one. */
  async get(tenant: string, sessionId: string): Promise<SessionEntity> {
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ id: sessionId, tenant });
    if (!session) throw new SessionNotFoundError(sessionId);
    return session;
  }

  turns(sessionId: string): Promise<TurnEntity[]> {
    return this.dataSource.getRepository(TurnEntity).find({ where: { sessionId }, order: { index: 'ASC' } });
  }

  async turn(tenant: string, sessionId: string, turnId: string): Promise<TurnEntity> {
    await this.get(tenant, sessionId);
    const turn = await this.dataSource.getRepository(TurnEntity).findOneBy({ id: turnId, sessionId });
    if (!turn) throw new SessionNotFoundError(`${sessionId}/${turnId}`);
    return turn;
  }

  /** A retried message (same client message id) finds the turn already answered. */
  findByClientMessageId(sessionId: string, clientMessageId: string): Promise<TurnEntity | null> {
    return this.dataSource.getRepository(TurnEntity).findOneBy({ sessionId, clientMessageId });
  }

  /** Writes the turn, the session's new memory and the trace event in one transaction. */
  async recordTurn(session: SessionEntity, trace: Omit<TraceRaw, 'turnIndex' | 'turnId'>, dialogue: DialogueState, ended: boolean, clientMessageId: string | undefined): Promise<TurnEntity> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const [{ next }] = (await manager.query('SELECT count(*)::int AS next FROM agents.turns WHERE session_id = $1', [session.id])) as [{ next: number }];
      const turnId = `turn_${randomUUID()}`;
      const full: TraceRaw = { ...trace, turnId, turnIndex: next };
      const turn = manager.getRepository(TurnEntity).create({
        id: turnId,
        sessionId: session.id,
        index: next,
        userMessage: trace.userMessage,
        reply: trace.reply,
        clientMessageId: clientMessageId ?? null,
        trace: full as unknown as Record<string, unknown>,
      });
      // insert, not save: save would first look the new id up.
      await manager.getRepository(TurnEntity).insert(turn as QueryDeepPartialEntity<TurnEntity>);
      await manager.query('UPDATE agents.sessions SET dialogue = $2, ended = $3 WHERE id = $1', [session.id, JSON.stringify(dialogue), ended]);
      await this.outbox.enqueue(manager, traceRawContract, full, { source: 'agents' });
      return turn;
    });
    this.onCommitted();
    return saved;
  }
}
