import type { DialogueState, TurnPipeline, TurnProgress } from '@distillery/dealership';
import { status } from '@grpc/grpc-js';
import type { SessionEntity } from '../sessions/session.entity.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { TurnEntity } from '../sessions/turn.entity.js';
import { ApiError } from './api-error.js';

export interface SendMessage {
  readonly tenant: string;
  readonly sessionId: string;
  readonly text: string;
  readonly clientMessageId?: string;
}

/** Where one turn's time went, in milliseconds (AgentsMetrics turns it into phases). */
export interface TurnTimings {
  readonly sessionReadMs: number;
  readonly modelMs: number;
  readonly evaluatorMs: number;
  /** Plan execution, its tools included. */
  readonly sandboxMs: number;
  readonly toolsMs: number;
  readonly writeMs: number;
  readonly totalMs: number;
}

export interface TurnReply {
  readonly turnId: string;
  readonly reply: string;
  readonly ended: boolean;
  readonly latencyMs: number;
}

/** One customer message through the pipeline, recorded with its trace; idempotent by client message id. */
export class ConversationService {
  constructor(
    private readonly store: SessionStore,
    /** A turn's pipeline; its model calls go through `sessionModel(model, session)` (pinned-model.ts), so a pinned session's calls name its model. */
    private readonly pipeline: (onProgress: (progress: TurnProgress) => void, session: SessionEntity) => TurnPipeline,
    private readonly clock: () => Date = () => new Date(),
    /** Told of every turn answered (not of a retried message found answered). */
    private readonly onTurn: (source: string, fallback: boolean, timings: TurnTimings) => void = () => undefined,
  ) {}

  async send(message: SendMessage, onProgress: (progress: TurnProgress) => void = () => undefined): Promise<TurnReply> {
    const started = performance.now();
    const { session, rulesVersion } = await this.store.getForTurn(message.tenant, message.sessionId);
    const sessionReadMs = performance.now() - started;
    if (message.clientMessageId) {
      const earlier = await this.store.findByClientMessageId(session.id, message.clientMessageId);
      if (earlier) return replyOf(earlier, session.ended, 0);
    }
    if (session.ended) throw new ApiError(status.FAILED_PRECONDITION, `session ${session.id} has ended`);
    const result = await this.pipeline(onProgress, session).run(message.text, session.dialogue as unknown as DialogueState, {
      tenant: session.tenant,
      customerId: session.customerRef,
      now: this.clock(),
      rulesVersion,
    });
    const ended = result.understanding?.intents.includes('end_conversation') === true || result.fallback !== undefined && result.toolCalls.some((call) => call.tool === 'handOffToHuman');
    const writing = performance.now();
    const turn = await this.store.recordTurn(
      session,
      {
        conversationId: session.id,
        tenant: session.tenant,
        source: session.source,
        ...(session.campaignId ? { campaignId: session.campaignId } : {}),
        userMessage: message.text,
        reply: result.reply,
        calls: result.calls,
        toolCalls: result.toolCalls.map((call) => ({
          tool: call.tool,
          args: call.args,
          ok: (call.result as { ok?: boolean } | null)?.ok !== false,
          result: call.result,
          latencyMs: call.latencyMs,
        })),
        ...(result.plan ? { plan: result.plan } : {}),
      },
      result.dialogue,
      ended,
      message.clientMessageId,
    );
    const done = performance.now();
    this.onTurn(session.source, result.fallback !== undefined, { sessionReadMs, ...result.timings, writeMs: done - writing, totalMs: done - started });
    return replyOf(turn, ended, done - started);
  }
}

function replyOf(turn: TurnEntity, ended: boolean, latencyMs: number): TurnReply {
  return { turnId: turn.id, reply: turn.reply, ended, latencyMs };
}
