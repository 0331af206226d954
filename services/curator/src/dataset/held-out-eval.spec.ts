import { DEFAULT_RULES, toolCatalog } from '@distillery/dealership';
import { datasetReadyContract, datasetReadySchema } from '@distillery/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetReadyOf, type PublishedDataset } from '../building/publish-dataset.js';
import { simpleTurn } from '../testing/turn-builders.js';
import { buildDataset, type BuiltDataset, PART_FILES } from './build-dataset.js';
import { datasetProblems } from './dataset-invariants.js';
import type { BuiltPart } from './dataset-rows.js';
import { fromJsonl } from './jsonl.js';
import type { RefinedTurn } from './refined-turn.js';

const COMMON = 'when are you open?';
/** Twelve conversations of a training campaign: the even ones ask the common question, the odd ones their own. */
const trainingCampaign = Array.from({ length: 12 }, (_, index) =>
  simpleTurn(`c${String(index).padStart(2, '0')}`, 0, { campaignId: 'camp_train', say: index % 2 === 0 ? COMMON : `are you open on day ${index}?` }),
);
/** A held-out-phrasing campaign: three conversations of their own words, one with the common question. */
const heldOutCampaign = [
  ...[1, 2, 3].map((index) => simpleTurn(`h${index}`, 0, { campaignId: 'heldout_camp', say: `could you tell me your hours for week ${index}` })),
  simpleTurn('h4', 0, { campaignId: 'heldout_camp', say: COMMON }),
];

describe('the eval parts of a dataset with repeated prompts and a held-out-phrasing campaign', () => {
  let built: BuiltDataset;
  let evalIds: string[];

  beforeAll(() => {
    built = buildDataset([...trainingCampaign, ...heldOutCampaign], { datasetId: 'ds_held', version: 1, seed: 7, evalShare: 0.5 });
    evalIds = (built.manifest.attributes!.splits as { eval: string[] }).eval;
  });

  it('holds six training conversations out, none of the held-out campaign', () => {
    expect(evalIds).toHaveLength(6);
    expect(evalIds.filter((id) => id.startsWith('h'))).toEqual([]);
  });

  it('drops the eval rows whose prompt is a training prompt, and records how many before and after', () => {
    const common = evalIds.filter((id) => Number(id.slice(1)) % 2 === 0).length;
    expect(common).toBeGreaterThan(0);
    expect(common).toBeLessThan(6);
    // Each conversation is one turn of three calls; a common-question conversation's three prompts are all in training.
    expect(built.counts.eval).toBe(3 * (6 - common));
    expect(built.rows.eval.filter((row) => row.prompt.includes(COMMON))).toEqual([]);
    expect(built.duplicates.eval.dropped).toBe(3 * common);
    expect(built.duplicates.eval.before.promptsInTraining).toEqual({ count: 3 * common, of: 18, rate: Math.round(((3 * common) / 18) * 10_000) / 10_000 });
    expect(built.duplicates.eval.after.promptsInTraining).toEqual({ count: 0, of: 3 * (6 - common), rate: 0 });
    expect(built.manifest.metrics!['eval.dropped_prompt_in_training']).toBe(3 * common);
    const attributes = built.manifest.attributes as { eval: { droppedPromptInTraining: number }; duplicates: { eval: unknown } };
    expect(attributes.eval.droppedPromptInTraining).toBe(3 * common);
    expect(attributes.duplicates.eval).toEqual(built.duplicates.eval);
  });

  it('builds eval-heldout from the held-out campaign alone, in no training part', () => {
    const heldOut = built.rows['eval-heldout'];
    expect(new Set(heldOut.map((row) => row.conversationId))).toEqual(new Set(['h1', 'h2', 'h3']));
    expect(heldOut).toHaveLength(9);
    expect(built.duplicates['eval-heldout'].dropped).toBe(3);
    expect(built.duplicates['eval-heldout'].after.utterancesInCpt).toEqual({ count: 0, of: 3, rate: 0 });
    const trained = [...built.rows.sft, ...built.rows.dpo, ...built.rows.eagle.map((row) => ({ ...row, conversationId: '' }))];
    expect(trained.filter((row) => row.conversationId.startsWith('h') || row.prompt.includes('week '))).toEqual([]);
    expect(built.rows.cpt.filter((row) => row.text.includes('week '))).toEqual([]);
    expect(fromJsonl(built.files['eval-heldout'].text)).toHaveLength(9);
    expect(built.heldOutCampaignIds).toEqual(['heldout_camp']);
    expect(datasetProblems(built.rows, toolCatalog(DEFAULT_RULES))).toEqual([]);
  });

  it('announces eval-heldout and the duplicate rates beside the parts a v1 consumer reads', () => {
    const ref = datasetReadyContract.example.manifest;
    const published: PublishedDataset = { manifest: ref, parts: Object.fromEntries((Object.keys(PART_FILES) as BuiltPart[]).map((part) => [part, { ...ref, kind: `dataset-${part}` }])) as PublishedDataset['parts'] };
    const ready = datasetReadyOf(built, published, { campaignId: 'heldout_camp' });
    expect(datasetReadySchema.parse(ready)).toEqual(ready);
    expect(Object.keys(ready.parts).sort()).toEqual(['calibration', 'cpt', 'dpo', 'eagle', 'eval', 'sft']);
    expect(ready.evalHeldOut).toEqual({ part: { ...ref, kind: 'dataset-eval-heldout' }, rows: 9, campaignIds: ['heldout_camp'] });
    expect(ready.duplicates!.eval.dropped).toBe(built.duplicates.eval.dropped);
  });
});

describe('a dataset without held-out-phrasing campaigns', () => {
  it('writes an empty eval-heldout part and keeps every other part as before', () => {
    const turns: RefinedTurn[] = trainingCampaign;
    const built = buildDataset(turns, { seed: 7, evalShare: 0.5 });
    expect(built.counts['eval-heldout']).toBe(0);
    expect(built.files['eval-heldout'].text).toBe('');
    expect(built.heldOutCampaignIds).toEqual([]);
    expect(built.duplicates['eval-heldout'].before.promptsInTraining).toEqual({ count: 0, of: 0, rate: 0 });
  });
});
