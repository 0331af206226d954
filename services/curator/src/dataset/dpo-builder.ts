import type { PlanToolCatalog } from '@distillery/dealership';
import type { DpoRow } from './dataset-rows.js';
import { outputProblem } from './output-validator.js';
import { callRowId, type RefinedTurn } from './refined-turn.js';

export interface JudgePairsBuild {
  readonly rows: DpoRow[];
  /** Corrected calls that made no pair, by reason. */
  readonly dropped: Record<string, number>;
}

/**
 * (prompt, chosen y*, rejected y) for every call the judge corrected: the teacher's output is the
 * rejected answer, the refined one the chosen. A pair is made only when y* passes its validator and
 * both answers are non-empty and differ (the trainer refuses a pair whose answers are equal).
 */
export function buildJudgePairs(turns: readonly RefinedTurn[], catalog: PlanToolCatalog): JudgePairsBuild {
  const rows: DpoRow[] = [];
  const dropped: Record<string, number> = {};
  const drop = (key: string) => (dropped[key] = (dropped[key] ?? 0) + 1);
  for (const turn of turns) {
    for (const call of turn.calls) {
      if (call.verdict !== 'corrected') continue;
      const problem = call.prompt.trim() ? outputProblem(call.agent, call.refined, catalog) : 'empty-prompt';
      if (problem) drop(`${call.agent}/chosen-${problem}`);
      else if (!call.output.trim()) drop(`${call.agent}/rejected-empty`);
      else if (call.output === call.refined) drop(`${call.agent}/identical`);
      else rows.push({ id: callRowId(turn, call), agent: call.agent, prompt: call.prompt, chosen: call.refined, rejected: call.output, source: 'judge', conversationId: turn.conversationId });
    }
  }
  return { rows, dropped };
}
