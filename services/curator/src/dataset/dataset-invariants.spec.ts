import { DEFAULT_RULES, toolCatalog } from '@distillery/dealership';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceRefinedTurns } from '../testing/reference-refined-turns.js';
import { buildDataset } from './build-dataset.js';
import { datasetProblems } from './dataset-invariants.js';
import type { DatasetRows } from './dataset-rows.js';

const catalog = toolCatalog(DEFAULT_RULES);

describe('datasetProblems', () => {
  let rows: DatasetRows;

  beforeAll(async () => {
    const turns = await referenceRefinedTurns({ conversations: 30, seed: 3, mistakeRate: 0.2, rejectRate: 0.05, campaignId: 'camp_inv' });
    rows = buildDataset(turns, { datasetId: 'ds_inv', version: 1, seed: 3, evalShare: 0.2 }).rows;
  }, 120_000);

  it('finds nothing wrong with a built dataset', () => {
    expect(rows.eval.length).toBeGreaterThan(0);
    expect(datasetProblems(rows, catalog)).toEqual([]);
  });

  it('names leakage, eval prompts in training, identical pairs, refused outputs, missing contexts and calibration rows off their bucket', () => {
    const held = rows.eval[0]!;
    const broken: DatasetRows = {
      ...rows,
      sft: [...rows.sft, { ...rows.sft[0]!, id: 'sft:leak', conversationId: held.conversationId }, { ...rows.sft[0]!, id: 'sft:bad', agent: 'planner', output: 'launchRockets();' }],
      dpo: [...rows.dpo, { ...rows.dpo[0]!, id: 'dpo:same', chosen: 'x', rejected: ' x ' }],
      cpt: [...rows.cpt, { ...rows.cpt[0]!, id: 'cpt:bare', context: ' ' }, { ...rows.cpt[0]!, id: `conversation:${held.conversationId}`, kind: 'conversation' }],
      calibration: [...rows.calibration, { ...rows.calibration[0]!, id: 'cal:off', tokens: rows.calibration[0]!.bucket + 1 }],
      'eval-heldout': [{ ...held, id: 'heldout:dup', prompt: rows.dpo[0]!.prompt }],
    };
    const problems = datasetProblems(broken, catalog);
    expect(problems).toContain(`sft sft:leak: conversation ${held.conversationId} is also in the eval split`);
    expect(problems).toContain(`cpt conversation:${held.conversationId}: conversation ${held.conversationId} is also in the eval split`);
    expect(problems.some((problem) => problem.startsWith('sft sft:bad: output refused (invalid-plan'))).toBe(true);
    expect(problems).toContain('dpo dpo:same: chosen = rejected');
    expect(problems).toContain('cpt cpt:bare: no context field');
    expect(problems.some((problem) => problem.startsWith('calibration cal:off:'))).toBe(true);
    expect(problems).toContain('eval-heldout heldout:dup: prompt is also a training prompt');
    expect(problems).toHaveLength(7);
  });
});
