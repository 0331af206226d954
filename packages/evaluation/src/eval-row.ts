import { z } from 'zod';
import { UnreadableEvalRowError } from './unreadable-eval-row.error.js';

/** The agents whose calls are scored (the Executor runs no model). */
export const SCORED_AGENTS = ['understander', 'planner', 'evaluator', 'explainer'] as const;
export type ScoredAgent = (typeof SCORED_AGENTS)[number];

/**
 * One held-out call as the curator writes it (`eval.jsonl`): the rendered prompt (system, few-shot
 * exemplars, then the call's input as the last `<|user|>` message) and the teacher's judge-refined
 * output, the reference a candidate is scored against. Other fields of a row are kept, not read.
 */
export interface EvalRow {
  readonly id: string;
  readonly agent: string;
  readonly prompt: string;
  readonly output: string;
  readonly conversationId?: string;
  readonly turnId?: string;
}

const evalRowSchema = z.looseObject({
  id: z.string().min(1),
  agent: z.string().min(1),
  prompt: z.string(),
  output: z.string(),
  conversationId: z.string().optional(),
  turnId: z.string().optional(),
});

/** The rows of an `eval.jsonl` text (blank lines skipped); a line that is not a row throws, naming its line number. */
export function readEvalRows(jsonl: string): EvalRow[] {
  return jsonl.split('\n').flatMap((line, index) => {
    if (!line.trim()) return [];
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new UnreadableEvalRowError(index + 1, (error as Error).message);
    }
    const row = evalRowSchema.safeParse(json);
    if (!row.success) throw new UnreadableEvalRowError(index + 1, row.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`).join('; '));
    return [row.data];
  });
}
