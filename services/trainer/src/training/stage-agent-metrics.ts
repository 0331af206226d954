import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DecodedRow, type EvalRow, type MetricSummary, PlanExecutor, readDecodedOutputs, scoreDecoded } from '@distillery/evaluation';

/** A measured stage's decoded held-out outputs, `<runDir>/<stage>/eval_outputs.jsonl` (compute/distillery_compute/stages.py). */
export const EVAL_OUTPUTS_FILE = 'eval_outputs.jsonl';

/** Its decoded held-out-phrasing outputs (`--eval-heldout`), `<runDir>/<stage>/eval_outputs.heldout.jsonl`. */
export const HELD_OUT_OUTPUTS_FILE = 'eval_outputs.heldout.jsonl';

/**
 * A stage's decoded outputs (`outputsFile`: EVAL_OUTPUTS_FILE or HELD_OUT_OUTPUTS_FILE) paired with
 * their held-out rows (by id), in file order; undefined when the stage wrote none (no eval part,
 * --eval-limit 0, a stage that measures nothing). Rows of
 * agents that are not scored are left out; a line that is not an output of a row of `rows` (same
 * id, same agent) throws UnreadableEvalOutputsError.
 */
export async function readStageOutputs(runDir: string, stage: string, rows: ReadonlyMap<string, EvalRow>, outputsFile = EVAL_OUTPUTS_FILE): Promise<DecodedRow[] | undefined> {
  const path = join(runDir, stage, outputsFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return readDecodedOutputs(text, path, rows);
}

/**
 * The agent-level metrics (@distillery/evaluation) of each stage that wrote its decoded outputs
 * (`outputsFile`: the eval rows', or HELD_OUT_OUTPUTS_FILE scored against the eval-heldout rows):
 * each output scored against its held-out row's reference, then summarised per agent with 95%
 * intervals and whole-turn success (over the turns the decoded rows come from, each judged on those
 * of its calls that were decoded). Stages without outputs are absent from the map. One plan
 * executor serves every stage.
 */
export async function scoreStageOutputs(runDir: string, stages: readonly string[], evalRows: readonly EvalRow[], outputsFile = EVAL_OUTPUTS_FILE): Promise<Map<string, MetricSummary[]>> {
  const rows = new Map(evalRows.map((row) => [row.id, row]));
  const executor = new PlanExecutor();
  try {
    const scored = new Map<string, MetricSummary[]>();
    for (const stage of stages) {
      const decoded = await readStageOutputs(runDir, stage, rows, outputsFile);
      if (!decoded?.length) continue;
      scored.set(stage, await scoreDecoded(decoded, { executor }));
    }
    return scored;
  } finally {
    await executor.close();
  }
}
