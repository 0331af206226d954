import { estimateTokens } from '@distillery/llm';
import { describe, expect, it } from 'vitest';
import { WordnetCorpus } from '../public-corpus/wordnet-corpus.js';
import { buildCalibrationRows } from './calibration-builder.js';
import { TOKEN_BUCKETS } from './token-stats.js';

const corpus = WordnetCorpus.load();
const calls = Array.from({ length: 30 }, (_, index) => `<|system|>\nYou are the Planner.\n## Now\n2026-11-24\n<|user|>\nCustomer ${index}: ${'any hybrid suv under 35k? '.repeat(index * 3)}\n<|assistant|>\nreturn { info: dealershipInfo({}) };`);
const options = { seed: 7, buckets: TOKEN_BUCKETS, perBucket: 5, mixedPublicShare: 0.2 };

describe('the calibration sets', () => {
  it('have public, in-domain and mixed samples at every bucket, each exactly the bucket long', () => {
    const rows = buildCalibrationRows(calls, corpus, options);
    expect(rows).toHaveLength(3 * TOKEN_BUCKETS.length * 5);
    for (const row of rows) {
      expect(row.tokens).toBe(row.bucket);
      expect(estimateTokens(row.text)).toBe(row.bucket);
    }
    for (const set of ['public', 'in-domain', 'mixed'] as const) expect(new Set(rows.filter((row) => row.set === set).map((row) => row.bucket))).toEqual(new Set(TOKEN_BUCKETS));
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
  });

  it('mix public text into the mixed set at its share, and draw the in-domain set from the calls', () => {
    const rows = buildCalibrationRows(calls, corpus, options);
    const mixed = rows.filter((row) => row.set === 'mixed' && row.bucket === 256);
    expect(mixed.filter((row) => row.source === 'public')).toHaveLength(1);
    expect(rows.filter((row) => row.set === 'in-domain').every((row) => row.source === 'in-domain' && calls.join('\n').includes(row.text.split('\n')[0]!))).toBe(true);
    expect(rows.filter((row) => row.set === 'public').every((row) => row.text.includes('):'))).toBe(true);
  });

  it('are all public when there are no calls, and the same for the same seed', () => {
    const rows = buildCalibrationRows([], corpus, options);
    expect(rows.filter((row) => row.set === 'in-domain')).toEqual([]);
    expect(rows.filter((row) => row.set === 'mixed').every((row) => row.source === 'public')).toBe(true);
    expect(buildCalibrationRows(calls, corpus, options)).toEqual(buildCalibrationRows(calls, corpus, options));
  });
});
