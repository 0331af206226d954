import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EvalRow, type MetricSummary, PlanExecutor, SCORED_AGENTS, scoreCalls, summarize } from '@distillery/evaluation';
import { z } from 'zod';
import { UnreadableEvalOutputsError } from '../errors/unreadable-eval-outputs.error.js';

/** A measured stage's decoded held-out outputs, `<runDir>/<stage>/eval_outputs.jsonl` (compute/distillery_compute/stages.py). */
export const EVAL_OUTPUTS_FILE = 'eval_outputs.jsonl';

const outputSchema = z.object({ id: z.string().min(1), agent: z.string().min(1), output: z.string() });

/** One held-out row the stage's model decoded, and what it wrote. */
interface DecodedRow {
  readonly row: EvalRow;
  readonly output: string;
}

/**
 * A stage's decoded outputs paired with their held-out rows (by id), in file order; undefined when
 * the stage wrote none (no eval part, --eval-limit 0, a stage that measures nothing). Rows of
 * agents that are not scored are left out; a line that is not an output of a row of `rows` (same
 * id, same agent) throws UnreadableEvalOutputsError.
 */
export async function readStageOutputs(runDir: string, stage: string, rows: ReadonlyMap<string, EvalRow>): Promise<DecodedRow[] | undefined> {
  const path = join(runDir, stage, EVAL_OUTPUTS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const decoded: DecodedRow[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let parsed: z.infer<typeof outputSchema>;
    try {
      parsed = outputSchema.parse(JSON.parse(line));
    } catch (error) {
      throw new UnreadableEvalOutputsError(path, index + 1, `not an {"id", "agent", "output"} object (${(error as Error).message.split('\n')[0]})`);
    }
    const row = rows.get(parsed.id);
    if (!row) throw new UnreadableEvalOutputsError(path, index + 1, `id ${JSON.stringify(parsed.id)} is no held-out row of the job's dataset`);
    if (row.agent !== parsed.agent) throw new UnreadableEvalOutputsError(path, index + 1, `row ${parsed.id} is the ${row.agent}'s, not the ${parsed.agent}'s`);
    if ((SCORED_AGENTS as readonly string[]).includes(row.agent)) decoded.push({ row, output: parsed.output });
  }
  return decoded;
}

/**
 * The agent-level metrics (@distillery/evaluation) of each stage that wrote its decoded outputs:
 * each output scored against its held-out row's reference, then summarised per agent with 95%
 * intervals and whole-turn success (over the turns the decoded rows come from, each judged on those
 * of its calls that were decoded). Stages without outputs are absent from the map. One plan
 * executor serves every stage.
 */
export async function scoreStageOutputs(runDir: string, stages: readonly string[], evalRows: readonly EvalRow[]): Promise<Map<string, MetricSummary[]>> {
  const rows = new Map(evalRows.map((row) => [row.id, row]));
  const executor = new PlanExecutor();
  try {
    const scored = new Map<string, MetricSummary[]>();
    for (const stage of stages) {
      const decoded = await readStageOutputs(runDir, stage, rows);
      if (!decoded?.length) continue;
      const outputs = new Map(decoded.map(({ row, output }) => [row.id, output]));
      const scores = await scoreCalls(
        decoded.map(({ row }) => row),
        (row) => outputs.get(row.id) ?? '',
        { executor },
      );
      scored.set(stage, summarize(scores));
    }
    return scored;
  } finally {
    await executor.close();
  }
}
