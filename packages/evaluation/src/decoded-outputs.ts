import { z } from 'zod';
import { type EvalRow, SCORED_AGENTS } from './eval-row.js';
import type { PlanExecutor } from './plan-executor.js';
import { scoreCalls } from './score-call.js';
import { type MetricSummary, summarize } from './summarize.js';
import { UnreadableEvalOutputsError } from './unreadable-eval-outputs.error.js';

/** One held-out row a model decoded, and what it wrote. */
export interface DecodedRow {
  readonly row: EvalRow;
  readonly output: string;
}

const outputSchema = z.object({ id: z.string().min(1), agent: z.string().min(1), output: z.string() });

/**
 * A model's decoded held-out rows as the compute plane writes them (`eval_outputs*.jsonl`, one
 * `{"id", "agent", "output"}` a line: the trainer's stages, the quantizer's precisions), paired with
 * their rows by id, in file order; rows of agents that are not scored are left out. A line that is
 * not an output of a row of `rows` (same id, same agent) throws UnreadableEvalOutputsError naming
 * `path` and the line.
 */
export function readDecodedOutputs(jsonl: string, path: string, rows: ReadonlyMap<string, EvalRow>): DecodedRow[] {
  const decoded: DecodedRow[] = [];
  for (const [index, line] of jsonl.split('\n').entries()) {
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

/** The decoded rows scored against their references and summarised (per agent, 95% intervals, whole-turn success over the turns they come from). */
export async function scoreDecoded(decoded: readonly DecodedRow[], options: { readonly executor?: PlanExecutor } = {}): Promise<MetricSummary[]> {
  const outputs = new Map(decoded.map(({ row, output }) => [row.id, output]));
  return summarize(await scoreCalls(decoded.map(({ row }) => row), (row) => outputs.get(row.id) ?? '', options));
}
