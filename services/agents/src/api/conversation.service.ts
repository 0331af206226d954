import { status } from '@grpc/grpc-js';
import type { DialogueState } from '../pipeline/dialogue-state.js';
import type { TurnPipeline, TurnProgress } from '../pipeline/turn-pipeline.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { TurnEntity } from '../sessions/turn.entity.js';
import { ApiError } from './api-error.js';

export interface SendMessage {
  readonly tenant: string;
  readonly sessionId: string;
  readonly text: string;
  readonly clientMessageId?: string;
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
    private readonly pipeline: (onProgress: (progress: TurnProgress) => void) => TurnPipeline,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: SendMessage, onProgress: (progress: TurnProgress) => void = () => undefined): Promise<TurnReply> {
    const started = performance.now();
    const { session, rulesVersion } = await this.store.getForTurn(message.tenant, message.sessionId);
    if (message.clientMessageId) {
      const earlier = await this.store.findByClientMessageId(session.id, message.clientMessageId);
      if (earlier) return replyOf(earlier, session.ended, 0);
    }
    if (session.ended) throw new ApiError(status.FAILED_PRECONDITION, `session ${session.id} has ended`);
    const result = await this.pipeline(onProgress).run(message.text, session.dialogue as unknown as DialogueState, {
      tenant: session.tenant,
      customerId: session.customerRef,
      now: this.clock(),
      rulesVersion,
    });
    const ended = result.understanding?.intents.includes('end_conversation') === true || result.fallback !== undefined && result.toolCalls.some((call) => call.tool === 'handOffToHuman');
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
    return replyOf(turn, ended, performance.now() - started);
  }
}

function replyOf(turn: TurnEntity, ended: boolean, latencyMs: number): TurnReply {
  return { turnId: turn.id, reply: turn.reply, ended, latencyMs };
}
