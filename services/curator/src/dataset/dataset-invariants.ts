import type { PlanToolCatalog } from '@distillery/dealership';
import { type DatasetRows, EVAL_HELDOUT } from './dataset-rows.js';
import { outputProblem } from './output-validator.js';

/**
 * What is wrong with a built dataset, one line a problem (none: it is sound): a conversation in
 * both the training parts and a held-out split (eval or eval-heldout; SFT, DPO, CPT conversation
 * documents), an eval row whose prompt is a training prompt, a DPO pair whose chosen and rejected
 * are the same, an SFT or eval output the agents' validators refuse, a CPT document without its context C_x, a calibration row off its bucket.
 */
export function datasetProblems(rows: DatasetRows, catalog: PlanToolCatalog): string[] {
  const problems: string[] = [];
  const held = new Set([...rows.eval, ...rows[EVAL_HELDOUT]].map((row) => row.conversationId));
  const leaked = (where: string, conversationId: string) => held.has(conversationId) && problems.push(`${where}: conversation ${conversationId} is also in the eval split`);
  for (const row of rows.sft) leaked(`sft ${row.id}`, row.conversationId);
  for (const row of rows.dpo) leaked(`dpo ${row.id}`, row.conversationId);
  for (const row of rows.cpt) if (row.kind === 'conversation') leaked(`cpt ${row.id}`, row.id.slice('conversation:'.length));

  for (const row of rows.dpo) if (row.chosen.trim() === row.rejected.trim()) problems.push(`dpo ${row.id}: chosen = rejected`);
  const trainingPrompts = new Set([...rows.sft, ...rows.dpo].map((row) => row.prompt));
  for (const [part, list] of [['eval', rows.eval], [EVAL_HELDOUT, rows[EVAL_HELDOUT]]] as const) {
    for (const row of list) if (trainingPrompts.has(row.prompt)) problems.push(`${part} ${row.id}: prompt is also a training prompt`);
  }
  for (const [part, list] of [['sft', rows.sft], ['eval', rows.eval], [EVAL_HELDOUT, rows[EVAL_HELDOUT]]] as const) {
    for (const row of list) {
      const problem = outputProblem(row.agent, row.output, catalog);
      if (problem) problems.push(`${part} ${row.id}: output refused (${problem})`);
    }
  }
  for (const row of rows.cpt) {
    if (!row.context?.trim()) problems.push(`cpt ${row.id}: no context field`);
    if (!row.text?.trim()) problems.push(`cpt ${row.id}: no text`);
  }
  for (const row of rows.calibration) if (row.tokens !== row.bucket) problems.push(`calibration ${row.id}: ${row.tokens} tokens in bucket ${row.bucket}`);
  return problems;
}
