import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DecodedRow, type EvalRow, type MetricSummary, PlanExecutor, readDecodedOutputs, scoreDecoded, UnreadableEvalOutputsError } from '@distillery/evaluation';

/** The two precisions the quantize job decodes the held-out rows in. */
export const PRECISIONS = ['bf16', 'fp8'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Where, in a quantize run dir, a precision's decoded held-out rows are (compute/distillery_compute/fp8/job.py, eval_outputs_file). */
export function evalOutputsFile(precision: Precision): string {
  return `eval_outputs.${precision}.jsonl`;
}

/** Each precision's agent-level metrics (@distillery/evaluation's summaries, with their 95% intervals). */
export type PrecisionAgentMetrics = Readonly<Record<Precision, readonly MetricSummary[]>>;

/**
 * A precision's decoded outputs paired with their held-out rows (by id), in file order, rows of
 * agents that are not scored left out. A missing file, or a line that is not an output of a row of
 * `rows` (same id, same agent), throws UnreadableEvalOutputsError.
 */
export async function readPrecisionOutputs(runDir: string, precision: Precision, rows: ReadonlyMap<string, EvalRow>): Promise<DecodedRow[]> {
  const path = join(runDir, evalOutputsFile(precision));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UnreadableEvalOutputsError(path, 0, 'missing: the quantize job writes each precision\'s decoded held-out rows there');
    throw error;
  }
  return readDecodedOutputs(text, path, rows);
}

/**
 * The agent-level metrics of the BF16 student and of its FP8 version on the same held-out rows:
 * each precision's decoded outputs scored against the rows' references, summarised per agent with
 * 95% intervals and whole-turn success (over the turns the decoded rows come from). One plan
 * executor serves both.
 */
export async function scorePrecisionOutputs(runDir: string, evalRows: readonly EvalRow[]): Promise<PrecisionAgentMetrics> {
  const rows = new Map(evalRows.map((row) => [row.id, row]));
  const executor = new PlanExecutor();
  try {
    const scored: Partial<Record<Precision, MetricSummary[]>> = {};
    for (const precision of PRECISIONS) {
      scored[precision] = await scoreDecoded(await readPrecisionOutputs(runDir, precision, rows), { executor });
    }
    return scored as PrecisionAgentMetrics;
  } finally {
    await executor.close();
  }
}

/** The summaries' means as figures of the fp8 manifest: `<precision>.agent.<agent>.<metric>` (`fp8.agent.turn.whole_turn_success` for whole turns). */
export function agentFigures(metrics: PrecisionAgentMetrics): Record<string, number> {
  return Object.fromEntries(PRECISIONS.flatMap((precision) => metrics[precision].map((summary) => [`${precision}.agent.${summary.agent}.${summary.metric}`, summary.mean])));
}
