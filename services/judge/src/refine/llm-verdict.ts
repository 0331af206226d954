import { z } from 'zod';
import { type CallJudgement, VERDICTS } from './call-judgement.js';
import type { ReviewedCall } from './reviewed-call.js';
import { UnusableVerdictError } from './unusable-verdict.error.js';

/** The structured verdict Φ_refine asks for; nothing more, nothing less. */
export const llmVerdictSchema = z.strictObject({
  verdict: z.enum(VERDICTS),
  refined: z.string(),
  reasons: z.array(z.string().trim().min(1)).max(20),
});

/**
 * Reads the LLM judge's answer strictly: one JSON object of `llmVerdictSchema`, a reason for every
 * correction or rejection, a correction that differs from y and passes the role's automatic
 * checks, and no acceptance of an output that fails them. Throws UnusableVerdictError saying why.
 */
export function readLlmVerdict(text: string, reviewed: ReviewedCall): CallJudgement {
  let json: unknown;
  try {
    json = JSON.parse(text.trim());
  } catch (error) {
    throw new UnusableVerdictError(`the answer is not a JSON object: ${(error as Error).message}`);
  }
  const parsed = llmVerdictSchema.safeParse(json);
  if (!parsed.success) throw new UnusableVerdictError(`the answer does not match {verdict, refined, reasons}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(object)'}: ${issue.message}`).join('; ')}`);
  const { verdict, refined, reasons } = parsed.data;
  const { context, review, findings, refinePrompt } = reviewed;
  const output = context.call.output;
  if (verdict === 'accepted') {
    if (findings.length) throw new UnusableVerdictError(`the output fails the automatic checks (${findings.join('; ')}), so it cannot be accepted`);
    return { verdict, refined: output, reasons: [], refinePrompt };
  }
  if (!reasons.length) throw new UnusableVerdictError(`a ${verdict} verdict needs at least one reason`);
  if (verdict === 'rejected') return { verdict, refined: '', reasons, refinePrompt };
  if (!refined.trim() || refined.trim() === output.trim()) throw new UnusableVerdictError('a correction must give the whole corrected output, different from y');
  const problems = review.findings(refined, context);
  if (problems.length) throw new UnusableVerdictError(`the corrected output fails the automatic checks: ${problems.join('; ')}`);
  return { verdict, refined, reasons, refinePrompt };
}
