import { type DealershipRules, DEFAULT_RULES } from '@distillery/dealership';
import type { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import type { HardNegativeFamily } from './hard-negative-kinds.js';
import { TOKEN_BUCKETS } from './token-stats.js';

/** What a build covered: a campaign's sessions (and how many of its turns were in), or everything stored. */
export interface BuildCoverage {
  readonly scope: 'campaign' | 'all';
  readonly trigger: 'campaigns.completed' | 'request';
  readonly campaignId?: string;
  /** The campaign's sessions and the refined turns it announced. */
  readonly sessions?: number;
  readonly expectedTurns?: number;
  readonly receivedTurns: number;
  /** Announced turns that had not arrived when the build ran (0 when complete). */
  readonly shortfall: number;
  readonly sessionsWithoutTurns?: readonly string[];
  /** The build stopped waiting for the missing turns (DISTILLERY_CURATOR_WAIT_MS). */
  readonly timedOut?: boolean;
  /** The campaigns.completed event that asked for the build. */
  readonly eventId?: string;
}

export interface DatasetBuildOptions {
  readonly datasetId: string;
  readonly version: number;
  /** Seeds every draw of the build: the same turns and options give the same files, byte for byte. */
  readonly seed: number;
  /** The dealership's seed (DISTILLERY_AGENTS_SEED of the agents): the inventory the vehicle documents describe. */
  readonly dealershipSeed: number;
  /** The rules the documents are written from and the plans checked against. */
  readonly rules: DealershipRules;
  /** Share of the CPT documents that are public text. */
  readonly publicShare: number;
  /** Share of the conversations held out for evaluation. */
  readonly evalShare: number;
  /** Share of the DPO set that is hard negatives, and their mix over the families. */
  readonly hardNegativeShare: number;
  readonly hardNegativeMix: Readonly<Record<HardNegativeFamily, number>>;
  /** Share of the EAGLE prompts from the external (public) set. */
  readonly eagleExternalShare: number;
  readonly calibrationBuckets: readonly number[];
  readonly calibrationPerBucket: number;
  readonly mixedPublicShare: number;
  readonly coverage?: BuildCoverage;
  /** The public corpus; WordNet from the installed package when left out. */
  readonly corpus?: WordnetCorpus;
}

export const DEFAULT_BUILD_OPTIONS: DatasetBuildOptions = {
  datasetId: 'ds_dealership',
  version: 1,
  seed: 7,
  dealershipSeed: 7,
  rules: DEFAULT_RULES,
  publicShare: 0.3,
  evalShare: 0.1,
  hardNegativeShare: 0.1,
  hardNegativeMix: { slots: 0.4, credit: 0.3, price: 0.3 },
  eagleExternalShare: 0.5,
  calibrationBuckets: TOKEN_BUCKETS,
  calibrationPerBucket: 8,
  mixedPublicShare: 0.2,
};
