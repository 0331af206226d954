import { createHash } from 'node:crypto';
import { DealershipToolbox, type DialogueState, EMPTY_DIALOGUE, openDealershipMemoryDatabase, PlanSandbox, seedDealership, TurnPipeline } from '@distillery/dealership';
import { referenceTeacher, scriptedConversations, uniformMistakes } from '@distillery/reference-teacher';
import { type Completion, type CompletionRequest, type ModelPort, renderTranscript } from '@distillery/llm';
import type { RefinedTurn } from '../dataset/refined-turn.js';

export interface ReferenceTurnsOptions {
  readonly conversations: number;
  readonly seed: number;
  /** How often the teacher errs on purpose (the judge's corrections become DPO pairs). */
  readonly mistakeRate: number;
  /** Share of the calls the stand-in judge rejects outright. */
  readonly rejectRate?: number;
  readonly campaignId?: string;
  readonly now?: Date;
}

/** The teacher, with the no-mistake teacher's answer to every prompt kept aside (by transcript) as the judge's y*. */
function recordingTeacher(teacher: ModelPort, correct: ModelPort): { model: ModelPort; oracle: Map<string, string> } {
  const oracle = new Map<string, string>();
  const model: ModelPort = {
    backend: teacher.backend,
    model: teacher.model,
    async complete(request: CompletionRequest): Promise<Completion> {
      oracle.set(renderTranscript(request.messages), (await correct.complete(request)).text);
      return teacher.complete(request);
    },
  };
  return { model, oracle };
}

function uniform(seed: number, text: string): number {
  return createHash('sha256').update(`${seed}\u0000${text}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Refined turns with real prompts, for tests and demos: the agents' scripted conversations run
 * through the real five-agent pipeline over an in-memory dealership, the reference teacher erring
 * at `mistakeRate`; a stand-in judge takes the error-free teacher's answer to the same prompt as y*
 * (accepted when equal, corrected when not, rejected at `rejectRate`).
 */
export async function referenceRefinedTurns(options: ReferenceTurnsOptions): Promise<RefinedTurn[]> {
  const now = options.now ?? new Date('2026-11-24T10:00:00Z');
  const database = await openDealershipMemoryDatabase();
  const sandbox = new PlanSandbox();
  try {
    await seedDealership(database.dataSource, { seed: options.seed });
    const toolbox = await DealershipToolbox.open(database.dataSource);
    const { model, oracle } = recordingTeacher(referenceTeacher({ seed: options.seed, mistakes: uniformMistakes(options.mistakeRate) }), referenceTeacher({ seed: options.seed }));
    const pipeline = new TurnPipeline(model, toolbox, sandbox);
    const turns: RefinedTurn[] = [];
    const scripts = scriptedConversations({ seed: options.seed, now, count: options.conversations });
    for (const [index, script] of scripts.entries()) {
      const conversationId = `sess_ref_${options.seed}_${String(index).padStart(4, '0')}`;
      let dialogue: DialogueState = EMPTY_DIALOGUE;
      for (const [turnIndex, turn] of script.turns.entries()) {
        const result = await pipeline.run(turn.say, dialogue, { tenant: 'reference', customerId: script.customerRef, now });
        dialogue = result.dialogue;
        const turnId = `turn_ref_${options.seed}_${index}_${turnIndex}`;
        turns.push({
          conversationId,
          turnId,
          turnIndex,
          tenant: 'reference',
          ...(options.campaignId ? { campaignId: options.campaignId } : {}),
          rawEventId: createHash('sha256').update(turnId).digest('hex').slice(0, 32),
          eventId: `refined_${turnId}`,
          judge: { backend: 'reference', model: 'reference-judge', seed: options.seed },
          calls: result.calls.map((call) => {
            const refined = oracle.get(call.prompt) ?? call.output;
            const rejected = uniform(options.seed, `${turnId}/${call.callId}`) < (options.rejectRate ?? 0);
            const verdict = rejected ? 'rejected' : refined === call.output ? 'accepted' : 'corrected';
            return { callId: call.callId, agent: call.agent, prompt: call.prompt, output: call.output, refined, verdict, reasons: verdict === 'corrected' ? ['differs from the error-free teacher'] : [] };
          }),
        });
      }
    }
    return turns;
  } finally {
    await sandbox.close();
    await database.close();
  }
}
