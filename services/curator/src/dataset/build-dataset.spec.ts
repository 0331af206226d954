import { DEFAULT_RULES, seededRandom, slotShapeViolations, toolCatalog, understandingSchema, validatePlan } from '@distillery/dealership';
import { estimateTokens } from '@distillery/llm';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceRefinedTurns } from '../testing/reference-refined-turns.js';
import { simpleTurn } from '../testing/turn-builders.js';
import { buildDataset, type BuiltDataset } from './build-dataset.js';
import type { DatasetPart } from './dataset-rows.js';
import { fromJsonl } from './jsonl.js';
import type { RefinedTurn } from './refined-turn.js';
import { shuffled } from './seeded.js';

const catalog = toolCatalog(DEFAULT_RULES);
/** The fields the trainer (compute/distillery_compute/data.py) requires of each kind, all non-empty strings but a CPT context. */
const TRAINER_FIELDS: Partial<Record<DatasetPart, readonly string[]>> = {
  cpt: ['id', 'text', 'context'],
  sft: ['id', 'agent', 'prompt', 'output'],
  eval: ['id', 'agent', 'prompt', 'output'],
  dpo: ['id', 'agent', 'prompt', 'chosen', 'rejected'],
};

describe('a dataset of 200 reference conversations (real prompts, the teacher erring at 15%, a stand-in judge)', () => {
  let turns: RefinedTurn[];
  let built: BuiltDataset;

  beforeAll(async () => {
    turns = await referenceRefinedTurns({ conversations: 200, seed: 7, mistakeRate: 0.15, rejectRate: 0.03, campaignId: 'camp_ref' });
    built = buildDataset(turns, { datasetId: 'ds_test', version: 4, seed: 7 });
  }, 240_000);

  it('uses every conversation, holding a tenth out, none in both splits', () => {
    const { train, eval: held } = built.manifest.attributes!.splits as { train: string[]; eval: string[] };
    expect(train.length + held.length).toBe(200);
    expect(held).toHaveLength(20);
    expect(train.filter((id) => held.includes(id))).toEqual([]);
    const heldOut = new Set(held);
    for (const part of ['sft', 'dpo'] as const) expect(built.rows[part].filter((row) => heldOut.has(row.conversationId))).toEqual([]);
    expect(built.rows.eval.every((row) => heldOut.has(row.conversationId))).toBe(true);
    expect(built.rows.cpt.filter((row) => row.kind === 'conversation' && heldOut.has(row.id.slice('conversation:'.length)))).toEqual([]);
    const evalPrompts = new Set(built.rows.eval.map((row) => row.prompt));
    expect(built.rows.eagle.filter((row) => evalPrompts.has(row.prompt) && !built.rows.sft.some((sft) => sft.prompt === row.prompt))).toEqual([]);
  });

  it('writes rows the trainer reads: its fields strings, non-empty, ids unique, chosen ≠ rejected', () => {
    for (const [part, fields] of Object.entries(TRAINER_FIELDS) as Array<[DatasetPart, readonly string[]]>) {
      const rows = fromJsonl(built.files[part].text);
      expect(rows).toHaveLength(built.counts[part]);
      expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
      for (const row of rows) for (const field of fields) expect(typeof row[field] === 'string' && (field === 'context' || (row[field] as string).length > 0)).toBe(true);
    }
    expect(built.rows.dpo.filter((row) => row.chosen === row.rejected)).toEqual([]);
  });

  it('trains on accepted and corrected calls only, every Planner y* a valid plan and every Understander y* an understanding', () => {
    const rejected = new Set(turns.flatMap((turn) => turn.calls.filter((call) => call.verdict === 'rejected').map((call) => `${turn.turnId}:${call.callId}`)));
    expect(rejected.size).toBeGreaterThan(0);
    expect([...built.rows.sft, ...built.rows.eval].filter((row) => rejected.has(row.id))).toEqual([]);
    const trained = [...built.rows.sft, ...built.rows.eval];
    expect(trained.filter((row) => row.agent === 'planner').length).toBeGreaterThan(300);
    expect(trained.filter((row) => row.agent === 'planner' && !validatePlan(row.output, catalog).ok)).toEqual([]);
    expect(trained.filter((row) => row.agent === 'understander' && !understandingSchema.safeParse(JSON.parse(row.output)).success)).toEqual([]);
    const kept = turns.flatMap((turn) => turn.calls).filter((call) => call.verdict !== 'rejected').length;
    const attributes = built.manifest.attributes as { sft: { dropped: Record<string, number> }; eval: { dropped: Record<string, number>; droppedPromptInTraining: number } };
    const dropped = [attributes.sft.dropped, attributes.eval.dropped].flatMap((counts) => Object.values(counts)).reduce((sum, n) => sum + n, 0);
    expect(built.counts.sft + built.counts.eval + attributes.eval.droppedPromptInTraining + dropped).toBe(kept);
  });

  it('drops the eval rows whose prompt is a training prompt, recording the duplicate rates before and after', () => {
    const trainingPrompts = new Set([...built.rows.sft, ...built.rows.dpo].map((row) => row.prompt));
    expect(built.rows.eval.filter((row) => trainingPrompts.has(row.prompt))).toEqual([]);
    const check = built.duplicates.eval;
    // The scripted conversations repeat their wording: a quarter of the held-out prompts are training prompts.
    expect(check.dropped).toBeGreaterThan(10);
    expect(check.before.promptsInTraining).toMatchObject({ count: check.dropped, of: built.counts.eval + check.dropped });
    expect(check.after.promptsInTraining).toEqual({ count: 0, of: built.counts.eval, rate: 0 });
    expect(check.before.outputsInSft.count).toBeGreaterThan(check.after.outputsInSft.count);
    expect(check.after.utterancesInCpt.of).toBeGreaterThan(0);
    expect((built.manifest.attributes!.duplicates as { eval: unknown }).eval).toEqual(check);
    expect(built.counts['eval-heldout']).toBe(0);
  });

  it('pairs every corrected training call, and makes a tenth of the DPO set hard negatives that break the rule they target', () => {
    const judged = built.rows.dpo.filter((row) => row.source === 'judge');
    const hard = built.rows.dpo.filter((row) => row.source === 'hard-negative');
    const trainIds = new Set(built.rows.sft.map((row) => row.conversationId));
    const corrected = turns.filter((turn) => trainIds.has(turn.conversationId)).flatMap((turn) => turn.calls.filter((call) => call.verdict === 'corrected'));
    expect(judged.length).toBeGreaterThan(50);
    expect(judged.length).toBe(corrected.length);
    expect(hard.length / built.rows.dpo.length).toBeCloseTo(0.1, 1);
    expect(new Set(hard.map((row) => row.kind)).size).toBeGreaterThanOrEqual(5);
    expect(hard.filter((row) => row.rejected === row.chosen || !validatePlan(row.chosen, catalog).ok)).toEqual([]);
    const slotShapes = hard.filter((row) => ['slot-after-closing', 'slot-before-opening', 'slot-on-closed-day', 'slot-off-the-hour'].includes(row.kind!));
    expect(slotShapes.length).toBeGreaterThan(0);
    expect(slotShapes.filter((row) => slotShapeViolations(DEFAULT_RULES, /slot: "([^"]+)"/.exec(row.rejected)![1]!)[0] !== row.rule)).toEqual([]);
    const staticRules = hard.filter((row) => ['term-not-offered-to-tier', 'term-past-longest', 'deposit-below-minimum'].includes(row.kind!));
    expect(staticRules.length).toBeGreaterThan(0);
    expect(staticRules.filter((row) => validatePlan(row.rejected, catalog).ok)).toEqual([]);
  });

  it('mixes public text into the CPT corpus at the configured share, every document with its context', () => {
    const publicRows = built.rows.cpt.filter((row) => row.source === 'public');
    expect(publicRows.length / built.rows.cpt.length).toBeCloseTo(0.3, 2);
    expect(built.rows.cpt.every((row) => row.context.length > 0)).toBe(true);
    expect(built.rows.cpt.filter((row) => row.kind === 'conversation')).toHaveLength(180);
  });

  it('has in-domain and external EAGLE prompts and calibration samples exactly as long as their buckets', () => {
    const sets = new Set(built.rows.eagle.map((row) => row.set));
    expect(sets).toEqual(new Set(['in-domain', 'external']));
    for (const row of built.rows.calibration) expect(estimateTokens(row.text)).toBe(row.bucket);
  });

  it('records counts, token statistics, hashes and lineage back to the campaign and every trace in the manifest', () => {
    const manifest = built.manifest;
    expect(manifest.id).toBe('ds_test.v4');
    expect(manifest.parents.filter((parent) => parent.kind === 'campaign')).toEqual([{ kind: 'campaign', id: 'camp_ref' }]);
    expect(manifest.parents.filter((parent) => parent.kind === 'traces')).toHaveLength(turns.length);
    const attributes = manifest.attributes as { counts: unknown; hashes: Record<string, string>; tokens: Record<string, { rows: number; tokens: number }> };
    expect(attributes.counts).toEqual(built.counts);
    for (const file of Object.values(built.files)) expect(attributes.hashes[file.name]).toBe(file.sha256);
    expect(attributes.tokens.sft!.rows).toBe(built.counts.sft);
    expect(attributes.tokens.sft!.tokens).toBeGreaterThan(built.counts.sft * 500);
    expect(manifest.metrics!['dpo.hard_negatives']).toBe(built.rows.dpo.filter((row) => row.source === 'hard-negative').length);
  });

  it('is the same, byte for byte, from the same turns in any order', () => {
    const again = buildDataset(shuffled(turns, seededRandom(99)), { datasetId: 'ds_test', version: 4, seed: 7 });
    for (const part of Object.keys(built.files) as DatasetPart[]) expect(again.files[part].sha256).toBe(built.files[part].sha256);
    const reseeded = buildDataset(turns, { datasetId: 'ds_test', version: 4, seed: 8 });
    expect(reseeded.files.cpt.sha256).not.toBe(built.files.cpt.sha256);
  });
});

describe('buildDataset on a few turns', () => {
  it('builds from nothing: the dealership documents and public text, no traces', () => {
    const built = buildDataset([], { seed: 1 });
    expect(built.counts).toMatchObject({ sft: 0, dpo: 0, eval: 0, eagle: 0 });
    expect(built.counts.cpt).toBeGreaterThan(500);
    expect(built.files.sft.text).toBe('');
  });

  it('records the coverage it was given (a campaign short of turns)', () => {
    const coverage = { scope: 'campaign', trigger: 'campaigns.completed', campaignId: 'camp_x', expectedTurns: 5, receivedTurns: 2, shortfall: 3, timedOut: true } as const;
    const built = buildDataset([simpleTurn('c1', 0, { campaignId: 'camp_x' }), simpleTurn('c2', 0)], { coverage });
    expect((built.manifest.attributes!.inputs as { coverage: unknown }).coverage).toEqual(coverage);
    expect(built.manifest.metrics!.shortfall).toBe(3);
  });
});
