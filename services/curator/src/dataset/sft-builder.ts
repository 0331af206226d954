import type { PlanToolCatalog } from '@distillery/dealership';
import type { SftRow } from './dataset-rows.js';
import { outputProblem } from './output-validator.js';
import { callRowId, type RefinedTurn } from './refined-turn.js';

export interface SftBuild {
  readonly rows: SftRow[];
  /** Calls left out by the judge's verdict (`rejected`). */
  readonly excluded: { readonly rejected: number };
  /** Refined outputs that failed their validator, by `agent/reason`. */
  readonly dropped: Record<string, number>;
}

/**
 * (prompt, y*) for every call the judge accepted or corrected, y* being the refined output; a
 * rejected call is left out, and a y* that fails its agent's validator is dropped and counted.
 * `withTeacherOutput` (the held-out rows) keeps the teacher's own y beside y* as `teacherOutput`.
 */
export function buildSftRows(turns: readonly RefinedTurn[], catalog: PlanToolCatalog, options: { readonly withTeacherOutput?: boolean } = {}): SftBuild {
  const rows: SftRow[] = [];
  const dropped: Record<string, number> = {};
  let rejected = 0;
  for (const turn of turns) {
    for (const call of turn.calls) {
      if (call.verdict === 'rejected') {
        rejected++;
        continue;
      }
      const problem = call.prompt.trim() ? outputProblem(call.agent, call.refined, catalog) : 'empty-prompt';
      if (problem) {
        const key = `${call.agent}/${problem}`;
        dropped[key] = (dropped[key] ?? 0) + 1;
        continue;
      }
      rows.push({
        id: callRowId(turn, call),
        agent: call.agent,
        prompt: call.prompt,
        output: call.refined,
        conversationId: turn.conversationId,
        turnId: turn.turnId,
        verdict: call.verdict,
        ...(options.withTeacherOutput ? { teacherOutput: call.output } : {}),
      });
    }
  }
  return { rows, excluded: { rejected }, dropped };
}
