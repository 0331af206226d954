import { estimateTokens } from '@distillery/llm';
import type { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import type { CalibrationRow } from './dataset-rows.js';
import { randomStream } from './seeded.js';
import { cutToTokens } from './token-stats.js';

export interface CalibrationOptions {
  readonly seed: number;
  /** Token lengths (estimated); every sample of a bucket is exactly that long. */
  readonly buckets: readonly number[];
  /** Samples per set and bucket. */
  readonly perBucket: number;
  /** Share of the mixed set's samples that are public text (the paper's mix: 1.4k public of 7.2k). */
  readonly mixedPublicShare: number;
}

const CHARS_PER_TOKEN = 4;

/** Public text of `tokens` tokens: WordNet glosses drawn by `random`, one a line, cut to length. */
function publicSample(corpus: WordnetCorpus, tokens: number, random: () => number): string {
  const lines: string[] = [];
  for (let length = 0; length < tokens * CHARS_PER_TOKEN; ) {
    const line = corpus.document(Math.floor(random() * corpus.size)).text;
    lines.push(line);
    length += line.length + 1;
  }
  return cutToTokens(lines.join('\n'), tokens);
}

/**
 * In-domain text of `tokens` tokens: a window of one recorded call (prompt, generation marker and y*,
 * what serving feeds the model), starting on a line at a random place; calls shorter than the
 * window are joined to others.
 */
function inDomainSample(texts: readonly string[], tokens: number, random: () => number): string {
  const chars = tokens * CHARS_PER_TOKEN;
  const first = texts[Math.floor(random() * texts.length)]!;
  if (first.length >= chars) {
    let start = Math.floor(random() * (first.length - chars + 1));
    const line = first.indexOf('\n', start);
    if (line >= 0 && line + 1 + chars <= first.length) start = line + 1;
    return cutToTokens(first.slice(start), tokens);
  }
  let text = first;
  while (text.length < chars) text += `\n${texts[Math.floor(random() * texts.length)]!}`;
  return cutToTokens(text, tokens);
}

/**
 * FP8 calibration sets (paper §5, Figure 4): public, in-domain and mixed, each with `perBucket`
 * samples at every token length of `buckets`. The in-domain set is empty when there are no calls;
 * the mixed set is then all public.
 */
export function buildCalibrationRows(inDomainTexts: readonly string[], corpus: WordnetCorpus, options: CalibrationOptions): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  const usable = inDomainTexts.filter((text) => text.length > 0);
  const row = (set: CalibrationRow['set'], bucket: number, index: number, source: CalibrationRow['source'], text: string): CalibrationRow => ({
    id: `calibration:${set}:${bucket}:${index}`,
    set,
    bucket,
    tokens: estimateTokens(text),
    text,
    source,
  });
  for (const bucket of options.buckets) {
    const publicRandom = randomStream(options.seed, `calibration/public/${bucket}`);
    const domainRandom = randomStream(options.seed, `calibration/in-domain/${bucket}`);
    const mixedRandom = randomStream(options.seed, `calibration/mixed/${bucket}`);
    for (let index = 0; index < options.perBucket; index++) rows.push(row('public', bucket, index, 'public', publicSample(corpus, bucket, publicRandom)));
    if (usable.length) for (let index = 0; index < options.perBucket; index++) rows.push(row('in-domain', bucket, index, 'in-domain', inDomainSample(usable, bucket, domainRandom)));
    const publicInMix = usable.length ? Math.round(options.perBucket * Math.min(1, Math.max(0, options.mixedPublicShare))) : options.perBucket;
    for (let index = 0; index < options.perBucket; index++) {
      const fromPublic = index < publicInMix;
      rows.push(row('mixed', bucket, index, fromPublic ? 'public' : 'in-domain', fromPublic ? publicSample(corpus, bucket, mixedRandom) : inDomainSample(usable, bucket, mixedRandom)));
    }
  }
  return rows;
}
