import { DealershipToolbox, EMPTY_DIALOGUE, openDealershipMemoryDatabase, PlanSandbox, seedDealership, TurnPipeline } from '@distillery/dealership';
import { referenceTeacher, scriptedConversations, uniformMistakes } from '@distillery/reference-teacher';
import type { TraceRaw } from '@distillery/contracts';

export interface ReferenceTraceOptions {
  /** Seeds the dealership, the scripted conversations and the teacher's mistakes. */
  readonly seed: number;
  /** How often each role of the teacher errs on purpose (0: never). */
  readonly mistakeRate: number;
  readonly conversations: number;
  /** Halstead volume above which the LLM evaluator runs (low: more evaluator calls to judge). */
  readonly llmEvaluatorVolume?: number;
  readonly now?: Date;
}

/** A Tuesday morning: every scripted booking falls on a weekday within the horizon. */
export const FIXED_NOW = new Date('2026-11-24T10:00:00Z');

/**
 * Real traces.raw turns for the specs: the agents' scripted conversations played through their
 * five-agent pipeline with the reference teacher (mistakes at `mistakeRate`) against an in-memory
 * dealership, recorded the way the agents service records them.
 */
export async function recordReferenceTraces(options: ReferenceTraceOptions): Promise<TraceRaw[]> {
  const now = options.now ?? FIXED_NOW;
  const db = await openDealershipMemoryDatabase();
  const sandbox = new PlanSandbox();
  const traces: TraceRaw[] = [];
  try {
    await seedDealership(db.dataSource, { seed: options.seed });
    const teacher = referenceTeacher({ seed: options.seed, mistakes: uniformMistakes(options.mistakeRate) });
    const pipeline = new TurnPipeline(teacher, await DealershipToolbox.open(db.dataSource), sandbox, { profile: 'production', maxReplans: 2, llmEvaluatorVolume: options.llmEvaluatorVolume ?? 200 });
    for (const conversation of scriptedConversations({ seed: options.seed, now, count: options.conversations })) {
      let dialogue = EMPTY_DIALOGUE;
      const conversationId = `conv_${options.seed}_${conversation.name}`;
      for (const [turnIndex, turn] of conversation.turns.entries()) {
        const result = await pipeline.run(turn.say, dialogue, { tenant: 'judge-spec', customerId: conversation.customerRef, now });
        dialogue = result.dialogue;
        traces.push({
          conversationId,
          turnId: `${conversationId}_${turnIndex}`,
          turnIndex,
          tenant: 'judge-spec',
          source: 'simulation',
          userMessage: turn.say,
          reply: result.reply,
          calls: result.calls,
          toolCalls: result.toolCalls.map((call) => ({ tool: call.tool, args: call.args, ok: (call.result as { ok?: boolean } | null)?.ok !== false, result: call.result, latencyMs: call.latencyMs })),
          ...(result.plan ? { plan: result.plan } : {}),
        });
      }
    }
  } finally {
    await sandbox.close();
    await db.close();
  }
  return traces;
}
