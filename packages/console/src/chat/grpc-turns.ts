import type { TraceRaw } from '@distillery/contracts';
import type { Session__Output, TurnTrace__Output } from '@distillery/proto';
import type { SessionRow, TurnRow } from '../traces/trace-reader.js';

/**
 * A session and a turn's trace as the agents' gRPC API answers them, in the shapes the console's
 * views read from the agents' tables: how the chat shows a conversation held with agents whose
 * store is not this platform's (the student's).
 */
export function sessionFromGrpc(session: Session__Output): { session: SessionRow; turns: TurnRow[] } {
  return {
    session: {
      id: session.sessionId,
      tenant: session.tenant,
      customerRef: session.customerRef,
      source: session.source.toLowerCase(),
      campaignId: session.campaignId || null,
      ended: session.ended,
      turnCount: session.turns.length,
      createdAt: dateOf(session.createdAt),
    },
    turns: session.turns.map((turn) => ({ id: turn.turnId, index: turn.index, userMessage: turn.userMessage, reply: turn.reply, createdAt: dateOf(turn.createdAt) })),
  };
}

/** A turn's trace from GetTurnTrace; the turn's index and time come from the session. */
export function traceFromGrpc(trace: TurnTrace__Output, turn: TurnRow, session: SessionRow): TurnRow & { readonly trace: TraceRaw } {
  return {
    ...turn,
    trace: {
      conversationId: trace.sessionId,
      turnId: trace.turnId,
      turnIndex: turn.index,
      tenant: session.tenant,
      source: session.source === 'simulation' ? 'simulation' : 'production',
      userMessage: trace.userMessage,
      reply: trace.reply,
      calls: trace.calls.map((call, index) => ({
        callId: `${trace.turnId}.${index}`,
        agent: call.agent.toLowerCase() as TraceRaw['calls'][number]['agent'],
        attempt: call.attempt,
        prompt: call.prompt,
        output: call.output,
        backend: call.backend,
        model: call.model,
        latencyMs: call.latencyMs,
        inputTokens: call.inputTokens,
        outputTokens: call.outputTokens,
      })),
      toolCalls: trace.toolCalls.map((tool) => ({
        tool: tool.tool,
        args: parsed(tool.argsJson) as Record<string, unknown>,
        ok: tool.ok,
        ...(tool.ok ? { result: parsed(tool.resultJson) } : { error: tool.error }),
        latencyMs: tool.latencyMs,
      })),
      ...(trace.planCode
        ? { plan: { code: trace.planCode, halstead: { vocabulary: 0, length: 0, volume: trace.halsteadVolume, difficulty: trace.halsteadDifficulty, effort: trace.halsteadEffort }, llmEvaluatorRan: trace.llmEvaluatorRan, replans: trace.replans } }
        : {}),
    },
  };
}

function dateOf(timestamp: { readonly seconds: string | number; readonly nanos: number } | null): Date {
  return timestamp ? new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6)) : new Date(0);
}

function parsed(json: string): unknown {
  if (json === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
